package provider

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// Actions need Terraform 1.14.
var actionTerraform = []tfversion.TerraformVersionCheck{actions}

const rotateActionAddress = "action." + rotateActionType + ".rotate"

// rotateActionConfig is a database and the rotate action pointed at it.
const rotateActionConfig = `
resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "app"
}
action "pterodactyl_server_database_rotate_password" "rotate" {
  config {
    server_id = pterodactyl_server_database.app.server_id
    id        = pterodactyl_server_database.app.id
  }
}
`

// rotateOnUpdate is rotateActionConfig and a terraform_data that runs the action after each
// update of its input.
func rotateOnUpdate(input string) string {
	return rotateActionConfig + `
resource "terraform_data" "trigger" {
  input = "` + input + `"
  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.pterodactyl_server_database_rotate_password.rotate]
    }
  }
}
`
}

// oneCreateThen checks that the panel got one create, and rotate reset-password and del
// delete requests.
func (p *testPanel) oneCreateThen(rotate, del int) resource.TestCheckFunc {
	return resource.ComposeAggregateTestCheckFunc(
		p.requests(paneltest.RouteCreateDatabase, 1),
		p.requests(paneltest.RouteRotatePassword, rotate),
		p.requests(paneltest.RouteDeleteDatabase, del),
	)
}

// An action_trigger on another resource's update runs the rotate action once: the panel gets
// exactly one reset-password request, the apply changes nothing in the database's state
// (the action writes none), and the next refresh records the new password with every other
// attribute as it was and an empty plan. Creating the trigger runs nothing.
func TestCLIAction_triggerOnAnotherResourcesUpdate(t *testing.T) {
	const app = "pterodactyl_server_database.app"
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		unchanged := map[string]interface {
			AddStateValue(string, tfjsonpath.Path) statecheck.StateCheck
		}{}
		for _, attr := range []string{"id", "database_name", "username", "host", "port", "remote", "max_connections", "server_id"} {
			unchanged[attr] = statecheck.CompareValue(compare.ValuesSame())
		}
		keep := func() []statecheck.StateCheck {
			var checks []statecheck.StateCheck
			for attr, c := range unchanged {
				checks = append(checks, c.AddStateValue(app, tfjsonpath.New(attr)))
			}
			return checks
		}
		keptByTheApply := statecheck.CompareValue(secretsSame{})
		rotatedByTheAction := statecheck.CompareValue(secretsDiffer{})
		password := tfjsonpath.New("password")
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   actionTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: p.config(rotateOnUpdate("1")),
					ConfigStateChecks: append(keep(),
						keptByTheApply.AddStateValue(app, password),
						expectPanelPassword(p, app),
						noSecretsOutsidePasswords(secrets)),
					Check: p.oneCreateThen(0, 0),
				},
				{
					Config: p.config(rotateOnUpdate("2")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("terraform_data.trigger", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: append(keep(),
						keptByTheApply.AddStateValue(app, password),
						rotatedByTheAction.AddStateValue(app, password),
						expectPanelPasswordChanged(p, app),
						noSecretsOutsidePasswords(secrets)),
					Check: p.oneCreateThen(1, 0),
				},
				{
					// The same configuration: a refresh, no change, no second rotation.
					Config: p.config(rotateOnUpdate("2")),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: append(keep(),
						rotatedByTheAction.AddStateValue(app, password),
						expectPanelPassword(p, app),
						noSecretsOutsidePasswords(secrets)),
					Check: resource.ComposeAggregateTestCheckFunc(p.oneCreateThen(1, 0), p.panelMatchesState(app)),
				},
			},
			CheckDestroy: resource.ComposeAggregateTestCheckFunc(p.oneCreateThen(1, 1), p.panelMatchesState()),
		})
	})
}

// terraform apply -invoke runs the rotate action alone: one reset-password request, no change
// to any resource, then a refresh records the new password, every other attribute is as it
// was, and the plan is empty.
func TestCLIAction_invoke(t *testing.T) {
	skipUnlessCLI(t, actionTerraform)
	const app = "pterodactyl_server_database.app"
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		w := newCLIWorkdir(t, p, secrets)
		w.write("main.tf", cliTerraformBlock+strings.ReplaceAll(rotateActionConfig, "SERVER", p.server.Identifier))
		w.run("init", "-input=false", "-no-color")
		w.run("apply", "-input=false", "-auto-approve", "-no-color")
		created := *w.mustInstance(w.state(), app)
		before := p.Databases(p.server.Identifier)
		if len(before) != 1 || created.Attributes["password"] != before[0].Password {
			t.Fatal("the created database's password in state is not the panel's")
		}
		db := before[0]

		out := w.run("apply", "-input=false", "-auto-approve", "-no-color", "-invoke="+rotateActionAddress)
		for _, want := range []string{
			"Rotated the password of database " + db.ID + " (" + db.Name + ") on server " + p.server.Identifier,
			"Resources: 0 added, 0 changed, 0 destroyed. Actions: 1 invoked.",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("apply -invoke printed no %q:\n%s", want, secrets.redact(out))
			}
		}
		if n := p.Requests(paneltest.RouteRotatePassword); n != 1 {
			t.Fatalf("apply -invoke made %d reset-password requests, want 1", n)
		}
		rotated := p.Databases(p.server.Identifier)
		if len(rotated) != 1 || rotated[0].ID != db.ID || rotated[0].Password == db.Password {
			t.Fatal("apply -invoke did not rotate the password of the one database")
		}
		if invoked := w.mustInstance(w.state(), app); !reflect.DeepEqual(invoked.Attributes, created.Attributes) {
			t.Error("apply -invoke changed the database's state; the action writes none")
		}

		out = w.run("apply", "-refresh-only", "-input=false", "-auto-approve", "-no-color")
		if !strings.Contains(out, "pterodactyl_server_database.app has changed") {
			t.Errorf("the refresh after the action reported no change:\n%s", secrets.redact(out))
		}
		refreshed := *w.mustInstance(w.state(), app)
		if refreshed.Attributes["password"] != rotated[0].Password {
			t.Fatal("the refresh after the action did not record the new password")
		}
		// The password and the connection string that embeds it are the two attributes a
		// rotation changes; the connection string must carry the new password.
		if !sameURIButPassword(created.Attributes["connection_string"], refreshed.Attributes["connection_string"], rotated[0].Password) {
			t.Error("after the action and a refresh, connection_string does not carry the new password")
		}
		for name, v := range created.Attributes {
			if name != "password" && name != "connection_string" && !reflect.DeepEqual(refreshed.Attributes[name], v) {
				t.Errorf("after the action and a refresh, %s = %v, want %v as before", name,
					secrets.redact(fmt.Sprint(refreshed.Attributes[name])), secrets.redact(fmt.Sprint(v)))
			}
		}
		if !reflect.DeepEqual(refreshed.Identity, created.Identity) {
			t.Errorf("identity = %v, want %v as before", refreshed.Identity, created.Identity)
		}
		w.planIsEmpty()

		p.wantRequests(t, map[paneltest.Route]int{
			paneltest.RouteCreateDatabase: 1, paneltest.RouteRotatePassword: 1, paneltest.RouteDeleteDatabase: 0,
		})
		w.checkOutput()
		w.checkStateFiles()
	})
}

// sameURIButPassword reports whether after is the connection string before with its password
// replaced by password, both parsed as URLs (so that the test does not share the provider's
// escaping code).
func sameURIButPassword(before, after any, password string) bool {
	b, errB := url.Parse(fmt.Sprint(before))
	a, errA := url.Parse(fmt.Sprint(after))
	if errB != nil || errA != nil || a.User == nil || b.User == nil {
		return false
	}
	got, ok := a.User.Password()
	if !ok || got != password {
		return false
	}
	a.User = url.UserPassword(a.User.Username(), "-")
	b.User = url.UserPassword(b.User.Username(), "-")
	return a.String() == b.String()
}
