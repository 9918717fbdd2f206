package provider

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Every example a user may copy on its own declares, in required_providers, each provider it
// uses, with its source: without one, Terraform looks for hashicorp/<name>, which for this
// provider does not exist. Files named import*.tf are fragments shown beside the resource's
// example, and query files (.tfquery.hcl) take their providers from the configuration.
func TestExamplesDeclareTheirProviders(t *testing.T) {
	root := filepath.Join("..", "..", "examples")
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".tf" || strings.HasPrefix(d.Name(), "import") {
			return err
		}
		checked++
		src, err := os.ReadFile(p) //nolint:gosec // a file of the repository's examples
		if err != nil {
			return err
		}
		f, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
		if diags.HasErrors() {
			t.Errorf("%s: %s", p, diags.Error())
			return nil
		}
		used, sources := map[string]bool{}, map[string]string{}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			t.Errorf("%s: not native HCL syntax", p)
			return nil
		}
		for _, b := range body.Blocks {
			switch b.Type {
			case "resource", "data", "ephemeral", "action", "list":
				if name, _, _ := strings.Cut(b.Labels[0], "_"); name != "terraform" {
					used[name] = true
				}
			case "provider":
				used[b.Labels[0]] = true
			case "terraform":
				for _, rp := range b.Body.Blocks {
					if rp.Type != "required_providers" {
						continue
					}
					for name, attr := range rp.Body.Attributes {
						v, diags := attr.Expr.Value(nil)
						if diags.HasErrors() || !v.Type().IsObjectType() || !v.Type().HasAttribute("source") {
							t.Errorf("%s: required_providers.%s has no source", p, name)
							continue
						}
						if s := v.GetAttr("source"); s.Type() == cty.String {
							sources[name] = s.AsString()
						}
					}
				}
			}
		}
		for name := range used {
			if sources[name] == "" {
				t.Errorf("%s uses provider %q but does not declare it in required_providers", p, name)
			}
		}
		if s, ok := sources["pterodactyl"]; ok && s != "panelform/pterodactyl" {
			t.Errorf("%s: pterodactyl's source is %q, want panelform/pterodactyl", p, s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 8 {
		t.Fatalf("checked %d examples; the walk missed some", checked)
	}
}
