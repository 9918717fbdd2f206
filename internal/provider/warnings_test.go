package provider

import (
	"testing"
)

// What a plan warns about, as the CLI prints it: a name that repeats the prefix the panel adds
// (the database is made, under the doubled name the plan shows), and a database deleted outside
// Terraform, named with its server, whose data is gone.
func TestCLIWarnings(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		w := newCLIWorkdir(t, p, secrets)
		server := p.server.Identifier
		w.write("main.tf", cliTerraformBlock+`
resource "pterodactyl_server_database" "app" {
  server_id = "`+server+`"
  name      = "app"
}
resource "pterodactyl_server_database" "shop" {
  server_id = "`+server+`"
  name      = "s12_shop"
}
`)
		w.run("init", "-input=false", "-no-color")
		out := w.run("apply", "-input=false", "-auto-approve", "-no-color")
		if !matches(out, "Warning: Name starts with the server's prefix", `name "s12_shop" is stored as "s12_s12_shop"`, `write name = "shop"`) {
			t.Errorf("the apply did not warn about the doubled prefix:\n%s", secrets.redact(out))
		}
		id, _ := w.mustInstance(w.state(), "pterodactyl_server_database.app").Attributes["id"].(string)
		if !p.DeleteDatabase(server, id) {
			t.Fatal("the database to delete out of band is not on the panel")
		}
		out, _ = w.runCode("plan", "-input=false", "-no-color")
		if !matches(out, "pterodactyl_server_database.app will be created", "Warning: Database deleted outside Terraform",
			"Database s12_app (id "+id+") is no longer on server "+server, "its data with it") {
			t.Errorf("the plan did not warn about the database deleted outside Terraform:\n%s", secrets.redact(out))
		}
		w.checkOutput()
	})
}
