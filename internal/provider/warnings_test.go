package provider

import (
	"strings"
	"testing"
)

// What a plan warns about, as the CLI prints it: a name that repeats the prefix the panel adds
// (the database is made, under the doubled name the plan shows), a remote in CIDR notation
// (made, since MySQL 8.0.23 reads it, but MariaDB does not), and a database deleted outside
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
resource "pterodactyl_server_database" "lan" {
  server_id = "`+server+`"
  name      = "lan"
  remote    = "10.0.0.0/8"
}
`)
		w.run("init", "-input=false", "-no-color")
		out := w.run("apply", "-input=false", "-auto-approve", "-no-color")
		if !matches(out, "Warning: Name starts with the server's prefix", `name "s12_shop" is stored as "s12_s12_shop"`, `write name = "shop"`) {
			t.Errorf("the apply did not warn about the doubled prefix:\n%s", secrets.redact(out))
		}
		if !matches(out, "Warning: Remote in CIDR notation", `remote "10.0.0.0/8" is in CIDR notation`, "MariaDB never", "10.0.0.0/255.0.0.0") {
			t.Errorf("the apply did not warn about the CIDR remote:\n%s", secrets.redact(out))
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

// A rotation of a database deleted after the plan was made: the panel answers 404 as it does
// for a server it lacks, and the error says which is gone, the database, not the server.
func TestCLIRotationOfADatabaseDeletedAfterThePlan(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		w := newCLIWorkdir(t, p, secrets)
		server := p.server.Identifier
		block := func(v string) string {
			return `
resource "pterodactyl_server_database" "app" {
  server_id           = "` + server + `"
  name                = "app"
  rotate_when_changed = { v = "` + v + `" }
}
`
		}
		w.start(block("1"))
		id, _ := w.mustInstance(w.state(), app).Attributes["id"].(string)
		w.write("main.tf", cliTerraformBlock+block("2"))
		w.run("plan", "-input=false", "-no-color", "-out=rotate.tfplan")
		if !p.DeleteDatabase(server, id) {
			t.Fatal("the database to delete out of band is not on the panel")
		}
		out, code := w.runCode("apply", "-input=false", "-no-color", "rotate.tfplan")
		if code == 0 || !matches(out, "Cannot rotate the database password", "Database s12_app (id "+id+") is no longer on server "+server,
			"deleted after this plan was made") || strings.Contains(out, "does not exist, or the API key") {
			t.Fatalf("apply exited %d; want the database named as gone, not the server:\n%s", code, secrets.redact(out))
		}
		w.checkOutput()
	})
}
