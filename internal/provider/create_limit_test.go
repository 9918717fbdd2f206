package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// Pterodactyl 1.12, like Pelican, throttles database creates per server: 2 a minute, keyed by
// the server, not the user (ResourceLimit::DatabaseCreate). Five databases on one server in
// one apply converge: each is made once, one create is refused in all (the first refusal tells
// the provider the window, and it waits for each next one itself), and the plan after is
// empty. It takes about two minutes, the panel's own pace.
func TestServerDatabase_createsFollowThePanelsCreateLimit(t *testing.T) {
	const n, perWindow = 5, 2
	for _, opts := range []paneltest.Options{
		{Flavor: paneltest.Pterodactyl, Version: paneltest.Version112, CreateRateLimit: perWindow},
		{Flavor: paneltest.Pelican, CreateRateLimit: perWindow},
	} {
		t.Run(string(opts.Flavor)+" "+opts.Version, func(t *testing.T) {
			t.Parallel()
			p := startPanelWith(t, opts)
			config := p.config(fmt.Sprintf(`
resource "pterodactyl_server_database" "db" {
  count     = %d
  server_id = "SERVER"
  name      = "db${count.index}"
}
`, n))
			converged := func(*terraform.State) error {
				dbs := p.Databases(p.server.Identifier)
				if len(dbs) != n {
					return fmt.Errorf("the panel holds %d databases, want %d", len(dbs), n)
				}
				// One refusal in all: the first, which tells the provider the window; it then
				// waits for each next window itself, so no later window refuses one.
				if refused := p.Requests(paneltest.RouteCreateDatabase) - n; refused != 1 {
					return fmt.Errorf("%d creates refused over %d windows, want the first alone", refused, (n+perWindow-1)/perWindow)
				}
				return nil
			}
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   minTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{
					{
						Config: config,
						Check:  resource.ComposeAggregateTestCheckFunc(converged, p.panelMatchesState(databaseAddresses(n)...)),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
					},
				},
				CheckDestroy: p.panelMatchesState(),
			})
		})
	}
}

// databaseAddresses are the addresses of pterodactyl_server_database.db[0] to [n-1].
func databaseAddresses(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("pterodactyl_server_database.db.%d", i)
	}
	return out
}

// A plan that creates more databases on one server than the panel lets through in a minute
// says so, with the wait, rather than leave a silent "Still creating…": Pelican's default
// limit, Pterodactyl 1.12's (which a 1.11 panel does not have, and the API does not tell the
// version). Two creates, within the limit, plan without it.
func TestServerDatabase_planWarnsOfTheCreateLimitsWait(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		w := newCLIWorkdir(t, p, secrets)
		config := func(n int) string {
			return cliTerraformBlock + fmt.Sprintf(`
resource "pterodactyl_server_database" "db" {
  count     = %d
  server_id = "%s"
  name      = "db${count.index}"
}
`, n, p.server.Identifier)
		}
		w.write("main.tf", config(5))
		w.run("init", "-input=false", "-no-color")
		out := w.run("plan", "-input=false", "-no-color")
		says := map[paneltest.Flavor]string{
			paneltest.Pelican:     "Pelican allows 2 database creates a minute per server",
			paneltest.Pterodactyl: "Pterodactyl 1.12 and later allow 2 database creates a minute per server (1.11 has no such limit)",
		}[p.Flavor()]
		// One warning per create past the limit; Terraform shows one of them, whichever it sorts
		// first, and counts the others. Each tells the creates planned when it was made.
		shown := regexp.MustCompile(`This\s+plan\s+creates\s+at\s+least\s+([345])\s+databases\s+on\s+server\s+` + p.server.Identifier + `:`).FindStringSubmatch(out)
		wait := map[string]string{"3": "1 minute", "4": "1 minute", "5": "2 minutes"}
		if shown == nil || !matches(out, "Warning: Creates will wait for the panel's limit", says,
			"so the apply takes at least about "+wait[shown[1]], "(and 2 more similar warnings elsewhere)") {
			t.Errorf("the plan of 5 creates on one server gave no wait warning:\n%s", secrets.redact(out))
		}
		w.write("main.tf", config(2))
		if out := w.run("plan", "-input=false", "-no-color"); strings.Contains(out, "Creates will wait") {
			t.Errorf("the plan of 2 creates warned of a wait:\n%s", secrets.redact(out))
		}
		if n := p.Requests(paneltest.RouteCreateDatabase); n != 0 {
			t.Errorf("a plan sent %d creates", n)
		}
		w.checkOutput()
	})
}
