package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// A panel_url that points into the panel, such as its admin area or its application API, is
// refused when the provider is configured, naming what it points at, and nothing is asked of
// the panel. A URL without a scheme is refused with the URL it should be.
func TestProvider_panelURLThatIsNotTheBaseURL(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	data := `data "pterodactyl_server_databases" "all" { server_id = "` + p.server.Identifier + `" }`
	host := strings.TrimPrefix(p.URL(), "http://")
	for name, tc := range map[string]struct {
		url  string
		want []string
	}{
		"admin":       {p.URL() + "/admin", []string{"Invalid panel URL", "points at the panel's page /admin, not at the panel", "such as http://" + host}},
		"application": {p.URL() + "/api/application/", []string{"Invalid panel URL", "panel's API /api/application"}},
		"server page": {p.URL() + "/server/" + p.server.Identifier, []string{"Invalid panel URL", "panel's page /server/" + p.server.Identifier}},
		"no scheme":   {host, []string{"Invalid panel URL", "has no scheme: write it as https://" + host}},
	} {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   minTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{{
					Config:      `provider "pterodactyl" {` + "\n" + `  panel_url = "` + tc.url + `"` + "\n" + `  api_key = "` + p.key + `"` + "\n}\n" + data,
					ExpectError: errorRE(tc.want...),
				}},
			})
		})
	}
	if n := p.TotalRequests(); n != 0 {
		t.Fatalf("the panel got %d requests; a refused panel_url must ask nothing", n)
	}
}

// A panel_url copied with the client API's path works: the path is taken off, with a
// warning that says so.
func TestProvider_panelURLWithTheAPIPathWorks(t *testing.T) {
	p := startPanel(t, paneltest.Pelican)
	p.AddDatabase(p.server.Identifier, "app", "%")
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: `provider "pterodactyl" {` + "\n" + `  panel_url = "` + p.URL() + `/api/client/"` + "\n" + `  api_key = "` + p.key + `"` + "\n}\n" +
				`data "pterodactyl_server_databases" "all" { server_id = "` + p.server.Identifier + `" }`,
			Check: resource.TestCheckResourceAttr("data.pterodactyl_server_databases.all", "databases.0.name", "app"),
		}},
	})
	// The warning itself is checked at the Configure level: the CLI prints warnings only to
	// a terminal that terraform-plugin-testing does not show.
	resp := configureWith(t, configSettings(p.URL()+"/api/client", p.key))
	if !hasDiag(resp.Diagnostics, "panel_url includes the API path", "ends in /api/client") {
		t.Fatalf("no warning about the API path: %v", resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		t.Fatalf("an API path is not an error: %v", resp.Diagnostics)
	}
}

// PTERODACTYL_INSECURE_SKIP_VERIFY takes what Terraform users write, and refuses anything
// else by name instead of reading it as false.
func TestProvider_insecureSkipVerifyEnvironment(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	for _, v := range []string{"true", "FALSE", "1", "0", " true "} {
		t.Setenv(EnvInsecureSkipVerify, v)
		if resp := configureWith(t, configSettings(p.URL(), p.key)); resp.Diagnostics.HasError() {
			t.Errorf("%s=%q refused: %v", EnvInsecureSkipVerify, v, resp.Diagnostics)
		}
	}
	for _, v := range []string{"yes", "on", "2", "t"} {
		t.Setenv(EnvInsecureSkipVerify, v)
		resp := configureWith(t, configSettings(p.URL(), p.key))
		if !hasDiag(resp.Diagnostics, "Invalid "+EnvInsecureSkipVerify, EnvInsecureSkipVerify+` must be true, false, 1 or 0, got "`+v+`"`) {
			t.Errorf("%s=%q: want an error naming it, got %v", EnvInsecureSkipVerify, v, resp.Diagnostics)
		}
	}
	// Through the CLI: the plan stops with the error, and asks the panel nothing.
	t.Setenv(EnvInsecureSkipVerify, "yes")
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:      p.config(`data "pterodactyl_server_databases" "all" { server_id = "SERVER" }`),
			ExpectError: errorRE(EnvInsecureSkipVerify + ` must be true, false, 1 or 0, got "yes"`),
		}},
	})
	if n := p.TotalRequests(); n != 0 {
		t.Fatalf("the panel got %d requests", n)
	}
}

// A server's identifier written in upper case names the same server as in lower case, as its
// UUID does in either case: create, refresh and a switch between the two plan nothing more.
func TestServerDatabase_upperCaseServerID(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		upper := strings.ToUpper(p.server.Identifier)
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: p.config(`resource "pterodactyl_server_database" "app" {
  server_id = "` + upper + `"
  name      = "app"
}`),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr("pterodactyl_server_database.app", "server_id", upper),
						func(*terraform.State) error {
							if dbs := p.Databases(p.server.Identifier); len(dbs) != 1 || dbs[0].Name != "s12_app" {
								return fmt.Errorf("the panel holds %+v, want s12_app", dbs)
							}
							return nil
						},
					),
				},
				{
					Config: p.config(`resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "app"
}`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		})
		if n := p.Requests(paneltest.RouteCreateDatabase); n != 1 {
			t.Fatalf("%d creates, want 1", n)
		}
	})
}

// configSettings are the provider settings panel_url and api_key, for configureWith.
func configSettings(url, key string) map[string]tftypes.Value {
	return map[string]tftypes.Value{
		"panel_url": tftypes.NewValue(tftypes.String, url),
		"api_key":   tftypes.NewValue(tftypes.String, key),
	}
}

// hasDiag reports whether one diagnostic has the summary and a detail containing detail.
func hasDiag(diags diag.Diagnostics, summary, detail string) bool {
	for _, d := range diags {
		if d.Summary() == summary && strings.Contains(d.Detail(), detail) {
			return true
		}
	}
	return false
}
