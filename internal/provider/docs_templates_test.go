package provider

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// Terraform 1.11, which renders the docs, cannot export identity, list resource or action
// schemas, so templates carry those parts by hand. This keeps them in step with the code.
func TestTemplateCarriedDocsMatchTheCode(t *testing.T) {
	ctx := t.Context()

	var identity resource.IdentitySchemaResponse
	(&serverDatabaseResource{}).IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &identity)
	var act action.SchemaResponse
	newServerDatabaseRotatePasswordAction().Schema(ctx, action.SchemaRequest{}, &act)
	var lst list.ListResourceSchemaResponse
	(&serverDatabaseListResource{}).ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &lst)

	identityLines := map[string]string{}
	for name, a := range identity.IdentitySchema.Attributes {
		identityLines[name] = a.GetDescription()
	}
	actionLines := map[string]string{}
	for name, a := range act.Schema.Attributes {
		actionLines[name] = a.GetMarkdownDescription()
	}
	listLines := map[string]string{}
	for name, a := range lst.Schema.Attributes {
		listLines[name] = a.GetMarkdownDescription()
	}
	pages := map[string][]string{
		"resources/server_database.md.tmpl": schemaLines(identityLines),
		"actions/server_database_rotate_password.md.tmpl": append(schemaLines(actionLines),
			act.Schema.MarkdownDescription, strings.ReplaceAll(act.Schema.MarkdownDescription, "`", "")),
		"list-resources/server_database.md.tmpl": append(schemaLines(listLines),
			lst.Schema.MarkdownDescription, strings.ReplaceAll(lst.Schema.MarkdownDescription, "`", "")),
	}
	templates := os.DirFS(filepath.Join("..", "..", "templates"))
	for page, want := range pages {
		b, err := fs.ReadFile(templates, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range want {
			if !strings.Contains(string(b), line) {
				t.Errorf("templates/%s is out of step with the code; it lacks:\n%s", page, line)
			}
		}
	}
}

// schemaLines are the lines tfplugindocs writes for string attributes, in its order.
func schemaLines(descriptions map[string]string) []string {
	lines := make([]string, 0, len(descriptions))
	for name, d := range descriptions {
		lines = append(lines, "- `"+name+"` (String) "+d)
	}
	sort.Strings(lines)
	return lines
}
