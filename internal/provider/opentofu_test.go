package provider

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// The CLI tests run on Terraform or on OpenTofu (make test-opentofu). The two number their
// versions on their own and gained features at different versions: ephemeral resources came
// in Terraform 1.10 and OpenTofu 1.11, and OpenTofu 1.12 has no actions or list resources. A
// tfversion check sees only a version number, so the checks here also ask which CLI it is.

const (
	cliTerraform = "Terraform"
	cliOpenTofu  = "OpenTofu"
)

// Gates for features whose first version differs between the two CLIs.
var (
	// OpenTofu: website/docs/language/ephemerality/ephemeral-resources.mdx ("from v1.11").
	ephemeralResources = onEachCLI("ephemeral resources",
		tfversion.SkipBelow(tfversion.Version1_10_0), tfversion.SkipBelow(tfversion.Version1_11_0))
	// OpenTofu: CHANGELOG 1.12.0, opentofu/opentofu#3671 (Import.Identity in internal/configs).
	importByIdentity = onEachCLI("import blocks with identity",
		tfversion.SkipBelow(tfversion.Version1_12_0), tfversion.SkipBelow(tfversion.Version1_12_0))
	// Terraform 1.14. OpenTofu 1.12.6 has neither list nor action blocks: neither is among the
	// block types of internal/configs/parser_config.go.
	listResources = onEachCLI("list resources and query", tfversion.SkipBelow(tfversion.Version1_14_0), nil)
	actions       = onEachCLI("actions", tfversion.SkipBelow(tfversion.Version1_14_0), nil)
)

// testCLI is the product of the CLI terraform-plugin-testing runs, found the way the
// framework finds the binary: TF_ACC_TERRAFORM_PATH, else a Terraform release it installs for
// TF_ACC_TERRAFORM_VERSION, else terraform on PATH (which may be OpenTofu under that name).
var testCLI = sync.OnceValues(func() (string, error) {
	path := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if path == "" {
		if os.Getenv("TF_ACC_TERRAFORM_VERSION") != "" {
			return cliTerraform, nil
		}
		found, err := exec.LookPath("terraform")
		if err != nil {
			// terraform-plugin-testing then installs the latest Terraform.
			return cliTerraform, nil
		}
		path = found
	}
	// OpenTofu's `version -json` does not name the product; the version line of `version` does.
	cmd := exec.CommandContext(context.Background(), path, "version") //nolint:gosec // the CLI the suite runs with
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("running %s version: %w", path, err)
	}
	product, ok := cliProduct(out)
	if !ok {
		return "", fmt.Errorf("%s version printed no Terraform or OpenTofu version line:\n%s", path, out)
	}
	return product, nil
})

// cliProduct reads "Terraform" or "OpenTofu" from the output of `version`. OpenTofu prints
// CLI configuration warnings on stdout, before the version line.
func cliProduct(out []byte) (string, bool) {
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		for _, product := range []string{cliTerraform, cliOpenTofu} {
			if strings.HasPrefix(lines.Text(), product+" v") {
				return product, true
			}
		}
	}
	return "", false
}

// cliCheck runs the version check of the CLI the tests run: terraform on Terraform, openTofu
// on OpenTofu. A nil terraform runs the test on every Terraform; a nil openTofu skips it on
// every OpenTofu, for a feature no OpenTofu release has.
type cliCheck struct {
	feature             string
	terraform, openTofu tfversion.TerraformVersionCheck
	product             func() (string, error) // testCLI unless a test replaces it
}

// onEachCLI gates a test on a feature with one version check for Terraform and one for
// OpenTofu, as in onEachCLI("ephemeral resources", tfversion.SkipBelow(tfversion.Version1_10_0),
// tfversion.SkipBelow(tfversion.Version1_11_0)).
func onEachCLI(feature string, terraform, openTofu tfversion.TerraformVersionCheck) cliCheck {
	return cliCheck{feature: feature, terraform: terraform, openTofu: openTofu, product: testCLI}
}

// skipOnOpenTofu skips a test on every OpenTofu version, for a feature OpenTofu does not have
// (as of 1.12.6: actions, list resources, terraform query). On Terraform the test runs: give it
// a check of its own for the Terraform version it needs.
func skipOnOpenTofu(feature string) cliCheck {
	return onEachCLI(feature, nil, nil)
}

// CheckTerraformVersion implements tfversion.TerraformVersionCheck.
func (c cliCheck) CheckTerraformVersion(ctx context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	product, err := c.product()
	if err != nil {
		resp.Error = fmt.Errorf("cannot tell whether the test CLI is Terraform or OpenTofu: %w", err)
		return
	}
	check := c.terraform
	if product == cliOpenTofu {
		check = c.openTofu
		if check == nil {
			resp.Skip = fmt.Sprintf("OpenTofu %s does not support %s: skipping test", req.TerraformVersion, c.feature)
			return
		}
	}
	if check == nil {
		return
	}
	check.CheckTerraformVersion(ctx, req, resp)
	if resp.Skip != "" {
		resp.Skip = fmt.Sprintf("%s on %s: %s", c.feature, product, resp.Skip)
	}
}

func TestCLIProduct(t *testing.T) {
	for out, want := range map[string]string{
		"Terraform v1.11.4\non linux_amd64\n":                                           cliTerraform,
		"Terraform v1.5.7\non linux_amd64\n\nYour version of Terraform is out of date!": cliTerraform,
		"OpenTofu v1.12.6\non linux_amd64\n":                                            cliOpenTofu,
		// What OpenTofu prints when TF_CLI_CONFIG_FILE names a missing file.
		"\nWarning: Unable to open CLI configuration file\n\nThe CLI configuration file at \"/x\" does not exist.\nOpenTofu v1.12.6-dev\non linux_amd64\n": cliOpenTofu,
		"tofu: command not found\n": "",
		"":                          "",
	} {
		if got, ok := cliProduct([]byte(out)); got != want || ok != (want != "") {
			t.Errorf("cliProduct(%q) = %q, %v; want %q", out, got, ok, want)
		}
	}
}

func TestCLIChecks(t *testing.T) {
	// Requests for the versions tfversion names, which are enough to cross each boundary.
	at := map[string]tfversion.CheckTerraformVersionRequest{
		"1.5.0":  {TerraformVersion: tfversion.Version1_5_0},
		"1.9.0":  {TerraformVersion: tfversion.Version1_9_0},
		"1.10.0": {TerraformVersion: tfversion.Version1_10_0},
		"1.11.0": {TerraformVersion: tfversion.Version1_11_0},
		"1.12.0": {TerraformVersion: tfversion.Version1_12_0},
		"1.15.0": {TerraformVersion: tfversion.Version1_15_0},
		"1.16.0": {TerraformVersion: version1_16_0},
	}
	cases := []struct {
		product string
		check   cliCheck
		version string
		skip    string // the start of the skip message, or "" when the test must run
	}{
		{cliTerraform, ephemeralResources, "1.9.0", "ephemeral resources on Terraform: Terraform CLI version 1.9.0 is below minimum version 1.10.0"},
		{cliTerraform, ephemeralResources, "1.10.0", ""},
		{cliOpenTofu, ephemeralResources, "1.10.0", "ephemeral resources on OpenTofu: Terraform CLI version 1.10.0 is below minimum version 1.11.0"},
		{cliOpenTofu, ephemeralResources, "1.11.0", ""},
		{cliTerraform, importByIdentity, "1.11.0", "import blocks with identity on Terraform: Terraform CLI version 1.11.0 is below minimum version 1.12.0"},
		{cliTerraform, importByIdentity, "1.12.0", ""},
		{cliOpenTofu, importByIdentity, "1.11.0", "import blocks with identity on OpenTofu: Terraform CLI version 1.11.0 is below minimum version 1.12.0"},
		{cliOpenTofu, importByIdentity, "1.12.0", ""},
		{cliTerraform, skipOnOpenTofu("actions"), "1.5.0", ""},
		{cliOpenTofu, skipOnOpenTofu("actions"), "1.15.0", "OpenTofu 1.15.0 does not support actions: skipping test"},
		{cliTerraform, actionOnFailure, "1.15.0", "action_trigger on_failure on Terraform: Terraform CLI version 1.15.0 is below minimum version 1.16.0"},
		{cliTerraform, actionOnFailure, "1.16.0", ""},
		{cliTerraform, importInModules, "1.15.0", "import blocks in modules on Terraform: Terraform CLI version 1.15.0 is below minimum version 1.16.0"},
		{cliTerraform, importInModules, "1.16.0", ""},
		{cliOpenTofu, importInModules, "1.16.0", "OpenTofu 1.16.0 does not support import blocks in modules: skipping test"},
	}
	for _, tc := range cases {
		check := tc.check
		check.product = func() (string, error) { return tc.product, nil }
		var resp tfversion.CheckTerraformVersionResponse
		check.CheckTerraformVersion(t.Context(), at[tc.version], &resp)
		if resp.Error != nil || (tc.skip == "") != (resp.Skip == "") || !strings.HasPrefix(resp.Skip, tc.skip) {
			t.Errorf("%s on %s %s: skip %q, error %v; want a skip starting %q",
				check.feature, tc.product, tc.version, resp.Skip, resp.Error, tc.skip)
		}
	}

	// A CLI that cannot be told apart fails the test rather than skip it unseen.
	failing := importByIdentity
	failing.product = func() (string, error) { return "", fmt.Errorf("no version line") }
	var resp tfversion.CheckTerraformVersionResponse
	failing.CheckTerraformVersion(t.Context(), at["1.12.0"], &resp)
	if resp.Error == nil || resp.Skip != "" {
		t.Errorf("undetected CLI: skip %q, error %v; want an error", resp.Skip, resp.Error)
	}
}

// TestServerDatabase_importBlockByIdentity imports through the CLI by identity: the import
// block OpenTofu 1.12 and Terraform 1.12 accept. The other identity tests call the provider at
// the protocol level.
func TestServerDatabase_importBlockByIdentity(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		db := p.AddDatabase(p.server.Identifier, "app", "%")
		// The configuration names the server by UUID: the identity keeps the short identifier,
		// and state keeps what the configuration says.
		resourceConfig := fmt.Sprintf(`
resource "pterodactyl_server_database" "app" {
  server_id = %q
  name      = "app"
}
`, p.server.UUID)
		importBlock := func(databaseID string) string {
			return fmt.Sprintf(`
import {
  to = pterodactyl_server_database.app
  identity = {
    server_id   = %q
    database_id = %q
  }
}
`, p.server.UUID, databaseID)
		}
		identity := statecheck.ExpectIdentity(app, map[string]knownvalue.Check{
			"server_id":   knownvalue.StringExact(p.server.Identifier),
			"database_id": knownvalue.StringExact(db.ID),
		})
		noWrites := func(*terraform.State) error {
			for _, route := range []paneltest.Route{paneltest.RouteCreateDatabase, paneltest.RouteRotatePassword, paneltest.RouteDeleteDatabase} {
				if n := p.Requests(route); n != 0 {
					return fmt.Errorf("%s requests = %d, want none: import only reads", route, n)
				}
			}
			return nil
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{importByIdentity},
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					// An identity holds a database id, never a name.
					Config:      p.config(resourceConfig + importBlock("app")),
					ExpectError: errorRE(`has no database with the id "app"`, db.ID+" (s12_app)"),
				},
				{
					Config: p.config(resourceConfig + importBlock(db.ID)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.StringExact(db.Password)),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						identity,
						statecheck.ExpectKnownValue(app, tfjsonpath.New("id"), knownvalue.StringExact(db.ID)),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("server_id"), knownvalue.StringExact(p.server.UUID)),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("database_name"), knownvalue.StringExact("s12_app")),
					},
					Check: noWrites,
				},
				{
					// terraform-plugin-testing's round trip: an import block built from the
					// identity in state must plan a no-op import with the same identity.
					Config:          p.config(resourceConfig),
					ResourceName:    app,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithResourceIdentity,
				},
				{
					Config: p.config(resourceConfig),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
					ConfigStateChecks: []statecheck.StateCheck{identity},
					Check:             noWrites,
				},
			},
		})
	})
}
