package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// sweepConfig is a database of each name on each server, made on database host 1.
func sweepConfig(servers []string, names ...string) string {
	var b strings.Builder
	b.WriteString(cliTerraformBlock)
	fmt.Fprintf(&b, "locals {\n  servers = %s\n  names   = %s\n}\n", hclList(servers), hclList(names))
	b.WriteString(`
resource "pterodactyl_server_database" "db" {
  for_each         = { for pair in setproduct(local.servers, local.names) : "${pair[0]}-${pair[1]}" => pair }
  server_id        = each.value[0]
  name             = each.value[1]
  database_host_id = "1"
}
`)
	return b.String()
}

func hclList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// With an application key, Terraform's reads cost pages of servers, not servers: the refresh of
// 300 databases on 150 servers, and the plan of 150 more creates on them, each cost the two
// pages of the panel's server list (with their databases), and no server lookup and no list of
// one server's databases (internal/panel/sweep.go). They cost one list per server, and a
// lookup of each, before. A change that reads servers one at a time fails here.
func TestAdminMode_refreshCostsPagesOfServers(t *testing.T) {
	// The application API's window is not what this measures: 300 creates would wait for it.
	eachFlavorWith(t, paneltest.Options{DatabaseHosts: 1, ApplicationRateLimit: 100_000}, func(t *testing.T, p *testPanel) {
		servers := []string{p.server.Identifier}
		for range 149 {
			servers = append(servers, p.AddServer(paneltest.Server{}).Identifier)
		}
		key := p.appKey()
		secrets := newPanelSecrets(p)
		secrets.seen[key] = true
		w := newCLIWorkdir(t, p, secrets, EnvAPIKey+"="+key)
		w.write("main.tf", sweepConfig(servers, "app", "logs"))
		w.run("init", "-input=false", "-no-color")
		w.run("apply", "-input=false", "-auto-approve", "-no-color")
		for _, s := range servers {
			if n := len(p.Databases(s)); n != 2 {
				t.Fatalf("server %s has %d databases, want 2", s, n)
			}
		}
		pages := map[paneltest.Route]int{paneltest.RouteAppListServers: 2, paneltest.RouteAppGetServer: 0,
			paneltest.RouteAppListDatabases: 0, paneltest.RouteAppGetDatabase: 0}

		counts := p.counter()
		w.planIsEmpty()
		counts.want(t, "the refresh of 300 databases on 150 servers", pages, 2)

		w.write("main.tf", sweepConfig(servers, "app", "logs", "stats"))
		counts = p.counter()
		out := w.run("plan", "-input=false", "-no-color")
		if !strings.Contains(out, "Plan: 150 to add, 0 to change, 0 to destroy.") {
			t.Errorf("the plan does not add 150 databases:\n%s", secrets.redact(out))
		}
		counts.want(t, "the refresh and the plan of 150 creates", pages, 2)
		w.checkOutput()
	})
}

// A key that may read servers but not their databases gets a null resource for each server's
// databases. A refresh with it fails with the panel's refusal; it never takes the withheld
// lists for empty ones, which would plan every database to be made again.
func TestAdminMode_refreshWithoutDatabaseRead(t *testing.T) {
	eachFlavorWith(t, paneltest.Options{DatabaseHosts: 1}, func(t *testing.T, p *testPanel) {
		full := p.appKey()
		res := paneltest.ACLResourcesOf(p.Flavor())
		serversOnly := p.AddKey(paneltest.Key{Application: true, ACL: map[string]int{res.Servers: paneltest.ACLRead}})
		secrets := newPanelSecrets(p)
		secrets.seen[full], secrets.seen[serversOnly] = true, true
		w := newCLIWorkdir(t, p, secrets, EnvAPIKey+"="+full)
		w.write("main.tf", sweepConfig([]string{p.server.Identifier}, "app"))
		w.run("init", "-input=false", "-no-color")
		w.run("apply", "-input=false", "-auto-approve", "-no-color")

		w.env = append(w.env, EnvAPIKey+"="+serversOnly)
		counts := p.counter()
		out, code := w.runCode("plan", "-input=false", "-no-color")
		if code == 0 || strings.Contains(out, "to add") || !strings.Contains(out, "This action is unauthorized.") {
			t.Fatalf("plan with a key that may not read databases: exit %d, want the panel's refusal:\n%s", code, secrets.redact(out))
		}
		// The sweep showed the server without its databases; the list of them was refused.
		counts.want(t, "the refused refresh", map[paneltest.Route]int{paneltest.RouteAppListServers: 1,
			paneltest.RouteAppListDatabases: 1}, 2)
		if n := len(p.Databases(p.server.Identifier)); n != 1 {
			t.Fatalf("the server has %d databases, want its one", n)
		}
		w.checkOutput()
	})
}
