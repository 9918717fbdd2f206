package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// cbdConfig is a database with create_before_destroy, its name and remote given.
func cbdConfig(name, remote string) string {
	return `
resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "` + name + `"
  remote    = "` + remote + `"
  lifecycle {
    create_before_destroy = true
  }
}
`
}

// With create_before_destroy, a replacement under a new name is made before the old database
// is deleted, and the panel ends with the new one alone, in state. A replacement under the
// same name cannot be made first, since the panel keeps a server's names unique: apply fails
// with the reason and what to do, before anything is sent; the old database stays on the
// panel and in state (deposed), nothing else is made, and a new name, as the error advises,
// makes the new database and then deletes the old one.
//
// The plan cannot refuse it: nothing in PlanResourceChange says create_before_destroy
// (tfplugin6.proto, PlanResourceChange.Request). Apply deposes the old object before it plans
// the create half with no prior state and no private data (hashicorp/terraform,
// internal/terraform/node_resource_apply_instance.go, managedResourceExecute), so the apply's
// plan finds the name held by a database it was not told it replaces. Terraform 1.16 sends the
// plan's private data there (planned_private), but terraform-plugin-go v0.31.0 does not
// decode it (tfprotov6.PlanResourceChangeRequest has no field for it). The apply's plan
// failing also skips the restore of the deposed object (managedResourceExecute returns
// before MaybeRestoreResourceInstanceDeposed), and a deposed object is always deleted after
// the create, so only another name gets past it.
func TestServerDatabase_createBeforeDestroy(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		id := statecheck.CompareValue(compare.ValuesDiffer())
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config:            p.config(cbdConfig("app", "%")),
					ConfigStateChecks: []statecheck.StateCheck{id.AddStateValue(app, tfjsonpath.New("id"))},
				},
				{
					Config: p.config(cbdConfig("app2", "%")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionCreateBeforeDestroy),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						id.AddStateValue(app, tfjsonpath.New("id")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("database_name"), knownvalue.StringExact("s12_app2")),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						p.panelMatchesState(app),
						p.requests(paneltest.RouteCreateDatabase, 2),
						p.requests(paneltest.RouteDeleteDatabase, 1)),
				},
				{
					Config: p.config(cbdConfig("app2", "10.0.0.%")),
					ExpectError: errorRE("Database name already taken", "s12_app2",
						"create_before_destroy and replaces that database", "deposed", "change name too"),
				},
				{
					// What the error advises: another name. The new database is made first,
					// then the old one, which the failed apply left deposed, is deleted.
					Config: p.config(cbdConfig("app3", "10.0.0.%")),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(app, plancheck.ResourceActionCreate),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						id.AddStateValue(app, tfjsonpath.New("id")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("database_name"), knownvalue.StringExact("s12_app3")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("remote"), knownvalue.StringExact("10.0.0.%")),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						p.panelMatchesState(app),
						p.requests(paneltest.RouteCreateDatabase, 3),
						p.requests(paneltest.RouteDeleteDatabase, 2)),
				},
			},
			CheckDestroy: p.panelMatchesState(),
		})
	})
}
