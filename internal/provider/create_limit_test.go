package provider

import (
	"fmt"
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
