package provider

import (
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// Terraform 1.16 features the provider is tested with (its CHANGELOG, 1.16.0).
var (
	version1_16_0 = version.Must(version.NewVersion("1.16.0"))

	// Terraform: "Resource action triggers can now use on_failure modes" (#38722); before
	// 1.16 the on_failure argument is unknown. OpenTofu has no actions.
	actionOnFailure = onEachCLI("action_trigger on_failure", tfversion.SkipBelow(version1_16_0), nil)
	// Terraform: "import blocks inside modules are now supported" (#38352); 1.15.9 refuses
	// them in internal/configs/config_build.go ("Import blocks are only allowed in the root
	// module"), and so does OpenTofu 1.12.6 in the same file.
	importInModules = onEachCLI("import blocks in modules", tfversion.SkipBelow(version1_16_0), nil)
)

// rotateOnUpdateOnFailure is rotateOnUpdate with the trigger's on_failure mode.
func rotateOnUpdateOnFailure(input, onFailure string) string {
	return strings.Replace(rotateOnUpdate(input),
		"      actions = [action.pterodactyl_server_database_rotate_password.rotate]\n",
		"      actions = [action.pterodactyl_server_database_rotate_password.rotate]\n      on_failure = "+onFailure+"\n", 1)
}

// A rotation that the panel refuses, run by an action_trigger:
//   - with on_failure = continue, the apply succeeds: the password on the panel and in state is
//     the one it was, and the database's state is still the panel's;
//   - with on_failure = halt, the apply fails with the panel's reason, naming the permission,
//     and again nothing changes;
//
// and the next trigger, once the panel accepts it, rotates, which the next refresh records.
// The refused attempts are each one request: the action does not retry a refusal.
func TestCLIAction_onFailure(t *testing.T) {
	refuseRotation := func(p *testPanel) func() {
		return func() { p.InjectFault(paneltest.Fault{Route: paneltest.RouteRotatePassword, Status: 403}) }
	}
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{actionOnFailure},
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: p.config(rotateOnUpdateOnFailure("1", "continue")),
					Check:  p.oneCreateThen(0, 0),
				},
				{
					PreConfig: refuseRotation(p),
					Config:    p.config(rotateOnUpdateOnFailure("2", "continue")),
					ConfigStateChecks: []statecheck.StateCheck{
						expectPanelPassword(p, app),
						noSecretsOutsidePasswords(secrets),
					},
					Check: resource.ComposeAggregateTestCheckFunc(p.oneCreateThen(1, 0), p.panelMatchesState(app)),
				},
				{
					PreConfig:   refuseRotation(p),
					Config:      p.config(rotateOnUpdateOnFailure("3", "halt")),
					ExpectError: errorRE("database.update"),
				},
				{
					Config: p.config(rotateOnUpdateOnFailure("4", "continue")),
					ConfigStateChecks: []statecheck.StateCheck{
						expectPanelPasswordChanged(p, app),
						noSecretsOutsidePasswords(secrets),
					},
					Check: p.oneCreateThen(3, 0),
				},
				{
					Config: p.config(rotateOnUpdateOnFailure("4", "continue")),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{expectPanelPassword(p, app)},
					Check:             resource.ComposeAggregateTestCheckFunc(p.oneCreateThen(3, 0), p.panelMatchesState(app)),
				},
			},
			CheckDestroy: resource.ComposeAggregateTestCheckFunc(p.oneCreateThen(3, 1), p.panelMatchesState()),
		})
	})
}

// An import block inside a module adopts a database made on the panel: by its name, with no
// create and no rotation, into the module's resource, with the panel's password in state;
// the next plan is empty.
func TestCLIImport_blockInsideModule(t *testing.T) {
	skipUnlessCLI(t, []tfversion.TerraformVersionCheck{importInModules})
	const address = "module.db.pterodactyl_server_database.app"
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		made := p.AddDatabase(p.server.Identifier, "app", "%")
		secrets := newPanelSecrets(p)
		w := newCLIWorkdir(t, p, secrets)
		if err := os.Mkdir(w.path("db"), 0o700); err != nil {
			t.Fatal(err)
		}
		w.write("main.tf", cliTerraformBlock+`
module "db" {
  source    = "./db"
  server_id = "`+p.server.Identifier+`"
}
`)
		w.write("db/main.tf", `
terraform {
  required_providers {
    pterodactyl = { source = "panelform/pterodactyl" }
  }
}
variable "server_id" {
  type = string
}
import {
  to = pterodactyl_server_database.app
  id = "${var.server_id}/app"
}
resource "pterodactyl_server_database" "app" {
  server_id = var.server_id
  name      = "app"
}
`)
		w.run("init", "-input=false", "-no-color")
		out := w.run("apply", "-input=false", "-auto-approve", "-no-color")
		if want := "Apply complete! Resources: 1 imported, 0 added, 0 changed, 0 destroyed."; !strings.Contains(out, want) {
			t.Errorf("apply printed no %q:\n%s", want, secrets.redact(out))
		}
		imported := w.mustInstance(w.state(), address)
		if imported.Attributes["id"] != made.ID || imported.Attributes["database_name"] != made.Name {
			t.Errorf("%s has id %v and database_name %v, want %s and %s", address,
				imported.Attributes["id"], imported.Attributes["database_name"], made.ID, made.Name)
		}
		dbs := p.Databases(p.server.Identifier)
		if len(dbs) != 1 || dbs[0].Password != made.Password || imported.Attributes["password"] != made.Password {
			t.Error("the import changed the panel's databases or did not record the panel's password")
		}
		w.planIsEmpty()
		p.wantRequests(t, map[paneltest.Route]int{
			paneltest.RouteCreateDatabase: 0, paneltest.RouteRotatePassword: 0, paneltest.RouteDeleteDatabase: 0,
		})
		w.checkOutput()
		w.checkStateFiles()
	})
}
