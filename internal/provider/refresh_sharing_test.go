package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// A refresh lists each server's databases once, however many of them Terraform manages: the
// panel has no single-database read, and Terraform reads every resource in parallel. This
// counts calls, not time, so a change that lists once per database fails here.
func TestRefreshListsEachServerOnce(t *testing.T) {
	const perServer = 4
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		second := p.AddServer(paneltest.Server{InternalID: 13})
		key := p.AddKey(paneltest.Key{Servers: map[string][]string{p.server.Identifier: {"*"}, second.Identifier: {"*"}}})
		servers := []string{p.server.Identifier, second.Identifier}

		var cfg strings.Builder
		cfg.WriteString(p.providerBlock(key))
		for i, server := range servers {
			fmt.Fprintf(&cfg, `
resource "pterodactyl_server_database" "s%[1]d" {
  count     = %[2]d
  server_id = %[3]q
  name      = "app${count.index}"
}
`, i, perServer, server)
		}
		// A data source reading the same list (with passwords, as resources do) shares it too.
		fmt.Fprintf(&cfg, `
data "pterodactyl_server_databases" "first" {
  server_id         = %q
  include_passwords = true
}
`, servers[0])

		listCalls := func(want int) resource.TestCheckFunc {
			return func(*terraform.State) error {
				if n := p.Requests(paneltest.RouteListDatabases); n != want {
					return fmt.Errorf("the refresh of %d databases on %d servers made %d list calls, want %d",
						perServer*len(servers), len(servers), n, want)
				}
				return nil
			}
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: cfg.String()},
				{
					PreConfig:    p.ResetCounts,
					RefreshState: true,
					Check:        listCalls(len(servers)),
				},
			},
		})
	})
}
