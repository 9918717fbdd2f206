package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// Creating N databases costs about one request each: a create, plus per server and per
// provider process one server read and one list (the snapshot that the plan-time name check
// and the pre-create check share). Terraform plans and applies in two provider processes,
// so a create of N databases on S servers costs N + 4·S requests. This counts calls, not
// time, so a change that costs a request more per database fails here.
func TestCreateCostsOneRequestPerDatabase(t *testing.T) {
	cases := []struct{ perServer, servers int }{{40, 1}, {20, 2}}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%dx%d", tc.perServer, tc.servers), func(t *testing.T) {
			eachFlavor(t, func(t *testing.T, p *testPanel) {
				servers := []string{p.server.Identifier}
				perms := map[string][]string{p.server.Identifier: {"*"}}
				for i := 1; i < tc.servers; i++ {
					s := p.AddServer(paneltest.Server{InternalID: 12 + i})
					servers = append(servers, s.Identifier)
					perms[s.Identifier] = []string{"*"}
				}
				var cfg strings.Builder
				cfg.WriteString(p.providerBlock(p.AddKey(paneltest.Key{Servers: perms})))
				for i, server := range servers {
					fmt.Fprintf(&cfg, `
resource "pterodactyl_server_database" "s%[1]d" {
  count     = %[2]d
  server_id = %[3]q
  name      = "db${count.index}"
}
`, i, tc.perServer, server)
				}
				n, s := tc.perServer*tc.servers, tc.servers
				want := map[paneltest.Route]int{
					paneltest.RouteGetServer:      2 * s, // one read per server in the plan's process and in the apply's
					paneltest.RouteListDatabases:  2 * s, // one snapshot per server, likewise
					paneltest.RouteCreateDatabase: n,
				}
				counts := func(*terraform.State) error {
					var problems []string
					for route, w := range want {
						if got := p.Requests(route); got != w {
							problems = append(problems, fmt.Sprintf("%s: %d requests, want %d", route, got, w))
						}
					}
					if got, w := p.TotalRequests(), n+4*s; got != w {
						problems = append(problems, fmt.Sprintf("%d requests in all, want %d", got, w))
					}
					if per := float64(p.TotalRequests()) / float64(n); per > 1.2 {
						problems = append(problems, fmt.Sprintf("%.2f requests per created database, want at most 1.2", per))
					}
					if len(problems) > 0 {
						return fmt.Errorf("plan and apply of %d databases on %d servers: %s", n, s, strings.Join(problems, "; "))
					}
					return nil
				}
				resource.UnitTest(t, resource.TestCase{
					TerraformVersionChecks:   minTerraform,
					ProtoV6ProviderFactories: providerFactories,
					Steps:                    []resource.TestStep{{Config: cfg.String(), Check: counts}},
				})
			})
		})
	}
}
