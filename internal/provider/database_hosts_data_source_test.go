package provider

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

const hostsData = "data.pterodactyl_database_hosts.all"

const hostsDataBlock = `data "pterodactyl_database_hosts" "all" {}` + "\n"

// The data source follows the panel's pages to the end: 120 hosts are more than one page of
// the 100 the client asks for (and twelve of the panel's default 10). A root admin's client
// key may read them.
func TestDatabaseHosts_listsEveryPage(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	for i := 2; i <= 120; i++ {
		p.AddDatabaseHost(paneltest.DatabaseHost{Name: fmt.Sprintf("db-%03d", i), Host: fmt.Sprintf("10.0.%d.%d", i/100, i%100),
			Port: 3300 + i, Username: fmt.Sprintf("user%d", i), NodeIDs: []int{1 + i%3}})
	}
	var want []knownvalue.Check
	for _, h := range p.DatabaseHosts() {
		want = append(want, knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id":       knownvalue.StringExact(strconv.Itoa(h.ID)),
			"name":     knownvalue.StringExact(h.Name),
			"host":     knownvalue.StringExact(h.Host),
			"port":     knownvalue.Int64Exact(int64(h.Port)),
			"username": knownvalue.StringExact(h.Username),
		}))
	}
	if len(want) != 120 {
		t.Fatalf("the panel has %d hosts, want 120", len(want))
	}
	rootAdmin := p.AddKey(paneltest.Key{RootAdmin: true})
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:            p.providerBlock(rootAdmin) + hostsDataBlock,
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(hostsData, tfjsonpath.New("hosts"), knownvalue.ListExact(want))},
			Check: func(*terraform.State) error {
				// Each read takes two pages.
				if n := p.Requests(paneltest.RouteAppListDatabaseHosts); n < 2 || n%2 != 0 {
					return fmt.Errorf("%d list requests, want two for each read", n)
				}
				return nil
			},
		}},
	})
}

// On Pterodactyl the data source is refused with the reason, and nothing is sent.
func TestDatabaseHosts_refusedOnPterodactyl(t *testing.T) {
	p := startHostPanel(t, paneltest.Pterodactyl)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: p.adminConfig(hostsDataBlock),
			ExpectError: errorRE("Pterodactyl has no database host API",
				"(Admin → Databases). pterodactyl_database_hosts needs a Pelican panel", "Nothing was sent to the panel."),
		}},
	})
	if n := p.TotalRequests(); n != 0 {
		t.Fatalf("the panel got %d requests; the refusal must come before any", n)
	}
}

// A key that may not read hosts gets an error that names what it needs.
func TestDatabaseHosts_keyErrors(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	acl := paneltest.ACLResourcesOf(paneltest.Pelican)
	noHosts := p.AddKey(paneltest.Key{Application: true, ACL: map[string]int{acl.ServerDatabases: paneltest.ACLRead}})
	for name, tc := range map[string]struct {
		key  string
		want []string
	}{
		"client key of a user who is not an admin": {p.key, []string{"Cannot list the database hosts",
			"not a panel administrator", "Use an application key (Admin → API Keys, papp_…) whose database_host permission is set to Read,",
			"or a client key (pacc_…) of a root admin"}},
		"application key without the database_host permission": {noHosts, []string{"Cannot list the database hosts",
			"This action is unauthorized", "The application key needs the database_host permission set to Read."}},
	} {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   minTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps:                    []resource.TestStep{{Config: p.providerBlock(tc.key) + hostsDataBlock, ExpectError: errorRE(tc.want...)}},
			})
		})
	}
}

// A ptla_ key kept from before the panel became Pelican: its prefix says Pterodactyl, whose
// hosts are refused before anything is sent, but the first read of servers shows Pelican's
// (they have no nest), and the hosts read after it are listed.
func TestDatabaseHosts_ptlaKeyOnPelican(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	key := p.AddKey(paneltest.Key{Token: "ptla_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", Application: true})
	config := p.providerBlock(key) + fmt.Sprintf(`
data "pterodactyl_server_databases" "s" {
  server_id = %q
}

data "pterodactyl_database_hosts" "all" {
  depends_on = [data.pterodactyl_server_databases.s]
}
`, p.server.Identifier)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:            config,
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(hostsData, tfjsonpath.New("hosts"), knownvalue.ListSizeExact(len(p.DatabaseHosts())))},
			Check: func(*terraform.State) error {
				if p.Requests(paneltest.RouteAppListServers) == 0 || p.Requests(paneltest.RouteAppListDatabaseHosts) == 0 {
					return fmt.Errorf("requests %v: want the servers swept and the hosts listed", p.RequestCounts())
				}
				return nil
			},
		}},
	})
}
