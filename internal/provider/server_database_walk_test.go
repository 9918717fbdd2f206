package provider

import (
	"strings"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// databaseBlock is one pterodactyl_server_database named address, for a database named app,
// with the given remote and lifecycle block ("" for none).
func databaseBlock(p *testPanel, address, remote, lifecycle string) string {
	return `
resource "pterodactyl_server_database" "` + address + `" {
  server_id = "` + p.server.Identifier + `"
  name      = "app"
  remote    = "` + remote + `"
` + lifecycle + `
}
`
}

const createBeforeDestroy = `  lifecycle {
    create_before_destroy = true
  }`

// start writes main.tf, the terraform block and body, then runs init and a first apply.
func (w *cliWorkdir) start(body string) {
	w.t.Helper()
	w.write("main.tf", cliTerraformBlock+body)
	w.run("init", "-input=false", "-no-color")
	w.run("apply", "-input=false", "-auto-approve", "-no-color")
}

// matches reports whether out holds each part in order, whatever the line breaks between them.
func matches(out string, parts ...string) bool {
	return errorRE(parts...).MatchString(out)
}

// A replacement planned without a refresh (-refresh=false) is planned and applied like any
// other: the name check exempts the database being replaced by its id, which the plan hands
// from the replaced object to its replacement, not by whether a read of it ran first.
func TestCLIReplacementWithoutRefresh(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		w := newCLIWorkdir(t, p, secrets)
		w.start(databaseBlock(p, "app", "%", ""))
		old := w.mustInstance(w.state(), app).Attributes["id"]

		w.write("main.tf", cliTerraformBlock+databaseBlock(p, "app", "10.0.0.%", ""))
		out := w.run("apply", "-refresh=false", "-input=false", "-auto-approve", "-no-color")
		if !strings.Contains(out, "1 added, 0 changed, 1 destroyed") {
			t.Errorf("apply -refresh=false did not replace the database:\n%s", secrets.redact(out))
		}
		now := w.mustInstance(w.state(), app).Attributes
		dbs := p.Databases(p.server.Identifier)
		if len(dbs) != 1 || dbs[0].ID != now["id"] || now["id"] == old || dbs[0].Remote != "10.0.0.%" {
			t.Fatalf("after the replacement the panel holds %d databases; want the new one alone, in state", len(dbs))
		}
		w.planIsEmpty()
		w.checkOutput()
	})
}

// A database whose resource is renamed without a moved block would be deleted under the old
// address and made again under the new one, and Terraform may make the new one first: the
// panel would refuse the name and the apply would stop half-way. The plan refuses it instead,
// the same way whether or not the old address was read first (with and without a refresh), and
// says to add a moved block, which then keeps the database.
func TestCLIRenameWithoutMovedIsRefusedInEveryWalkOrder(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		w := newCLIWorkdir(t, p, secrets)
		w.start(databaseBlock(p, "old", "%", ""))
		kept := p.Databases(p.server.Identifier)

		w.write("main.tf", cliTerraformBlock+databaseBlock(p, "renamed", "%", ""))
		for _, refresh := range []string{"-refresh=true", "-refresh=false"} {
			out, code := w.runCode("plan", refresh, "-input=false", "-no-color")
			if code == 0 || !matches(out, "Error:", "moved block") {
				t.Errorf("plan %s exited %d; want the rename refused with a moved block advised:\n%s", refresh, code, secrets.redact(out))
			}
		}
		w.write("main.tf", cliTerraformBlock+databaseBlock(p, "renamed", "%", "")+`
moved {
  from = pterodactyl_server_database.old
  to   = pterodactyl_server_database.renamed
}
`)
		w.run("apply", "-input=false", "-auto-approve", "-no-color")
		w.planIsEmpty()
		if dbs := p.Databases(p.server.Identifier); len(dbs) != 1 || dbs[0].ID != kept[0].ID {
			t.Fatal("with the moved block the database was not kept")
		}
		if n := p.Requests(paneltest.RouteCreateDatabase); n != 1 {
			t.Errorf("%d creates, want the first alone", n)
		}
		w.checkOutput()
	})
}

// create_before_destroy cannot replace a database under its own name: the panel keeps a
// server's names unique. The apply fails before anything is sent, and Terraform keeps the old
// database as a deposed object (its apply's plan fails, which skips the restore). The next
// plan refuses at once, with the way out, and the way out works: a targeted destroy without
// a refresh deletes the deposed database, and the next apply makes the new one. No database is left behind,
// and none is made twice.
func TestCLICreateBeforeDestroyUnderItsOwnNameRecovers(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		w := newCLIWorkdir(t, p, secrets)
		w.start(databaseBlock(p, "app", "%", createBeforeDestroy))
		old := p.Databases(p.server.Identifier)[0]

		w.write("main.tf", cliTerraformBlock+databaseBlock(p, "app", "10.0.0.%", createBeforeDestroy))
		out, code := w.runCode("apply", "-input=false", "-auto-approve", "-no-color")
		if code == 0 || !matches(out, "Database name already taken", "create_before_destroy", "terraform apply -destroy -refresh=false -target=ADDRESS") {
			t.Fatalf("apply exited %d; want the replacement refused with the way out:\n%s", code, secrets.redact(out))
		}
		if n := p.Requests(paneltest.RouteCreateDatabase); n != 1 {
			t.Fatalf("%d creates; the refused replacement sent one", n)
		}
		if inst := w.mustInstance(w.state(), app); inst.Deposed == "" || inst.Attributes["id"] != old.ID {
			t.Fatalf("state holds %v (deposed %q); want the old database, deposed", inst.Attributes["id"], inst.Deposed)
		}

		out, code = w.runCode("plan", "-input=false", "-no-color")
		if code == 0 || !matches(out, "Database name held by a database this plan deletes", "left deposed",
			"terraform apply -destroy -refresh=false -target=ADDRESS") {
			t.Fatalf("plan exited %d; want the deposed database named with the way out:\n%s", code, secrets.redact(out))
		}

		// -refresh=false: the refresh before a destroy plans the whole configuration, which the
		// same refusal would stop (hashicorp/terraform, internal/terraform/context_plan.go,
		// destroyPlan).
		w.run("apply", "-destroy", "-refresh=false", "-target="+app, "-input=false", "-auto-approve", "-no-color")
		if dbs := p.Databases(p.server.Identifier); len(dbs) != 0 {
			t.Fatalf("after the targeted destroy the panel holds %d databases, want none", len(dbs))
		}
		w.run("apply", "-input=false", "-auto-approve", "-no-color")
		w.planIsEmpty()
		inst := w.mustInstance(w.state(), app)
		dbs := p.Databases(p.server.Identifier)
		if len(dbs) != 1 || inst.Deposed != "" || dbs[0].ID != inst.Attributes["id"] || dbs[0].Remote != "10.0.0.%" {
			t.Fatalf("after the recovery the panel holds %d databases; want the new one alone, in state", len(dbs))
		}
		if c, d := p.Requests(paneltest.RouteCreateDatabase), p.Requests(paneltest.RouteDeleteDatabase); c != 2 || d != 1 {
			t.Errorf("%d creates and %d deletes, want 2 and 1", c, d)
		}
		w.checkOutput()
		w.checkStateFiles()
	})
}
