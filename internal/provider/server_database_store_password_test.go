package provider

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// noPassword checks that state holds no password for app, while the panel holds one.
func (p *testPanel) noPassword(s *terraform.State) error {
	rs, ok := s.RootModule().Resources[app]
	if !ok {
		return errors.New(app + " not in state")
	}
	if pw, set := rs.Primary.Attributes["password"]; set && pw != "" {
		return errors.New("the password is in state")
	}
	dbs := p.Databases(p.server.Identifier)
	if len(dbs) != 1 || dbs[0].Password == "" || dbs[0].ID != rs.Primary.ID {
		return fmt.Errorf("the panel does not hold the database in state: %+v", dbs)
	}
	return nil
}

var passwordIsNull = []statecheck.StateCheck{
	statecheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.Null()),
	statecheck.ExpectKnownValue(app, tfjsonpath.New("store_password"), knownvalue.Bool(false)),
}

func TestServerDatabase_storePasswordFalse(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		cfg := func(extra string) string { return p.config(appConfig("store_password = false\n" + extra)) }
		var created string
		remember := func(*terraform.State) error {
			created = p.Databases(p.server.Identifier)[0].Password
			return nil
		}
		rotated := func(*terraform.State) error {
			if p.Databases(p.server.Identifier)[0].Password == created {
				return errors.New("the panel's password did not change")
			}
			return nil
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: cfg(""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionCreate),
						// Known null already in the plan: nothing will be stored.
						plancheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.Null()),
					}},
					ConfigStateChecks: passwordIsNull,
					Check:             resource.ComposeTestCheckFunc(p.noPassword, remember),
				},
				{
					Config:           cfg(""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
				{
					// Rotation still works, and still stores nothing.
					Config: cfg(`rotate_when_changed = { v = "1" }`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.Null()),
					}},
					ConfigStateChecks: passwordIsNull,
					Check:             resource.ComposeTestCheckFunc(p.noPassword, p.requests(paneltest.RouteRotatePassword, 1), rotated),
				},
				{
					// A rotation on the panel is not read either.
					PreConfig: func() {
						p.RotatePassword(p.server.Identifier, p.Databases(p.server.Identifier)[0].ID)
					},
					RefreshState: true,
					Check:        p.noPassword,
				},
				{
					Config:           cfg(`rotate_when_changed = { v = "1" }`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		})
	})
}

func TestServerDatabase_storePasswordToggles(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		sameID := statecheck.CompareValue(compare.ValuesSame())
		writes := func(*terraform.State) error {
			n := p.Requests(paneltest.RouteCreateDatabase) + p.Requests(paneltest.RouteRotatePassword) + p.Requests(paneltest.RouteDeleteDatabase)
			if n != 1 {
				return fmt.Errorf("the panel saw %d writes, want only the create: toggling store_password must call nothing", n)
			}
			return nil
		}
		panelPassword := knownvalue.StringFunc(func(v string) error {
			if v != p.Databases(p.server.Identifier)[0].Password {
				return errors.New("password is not the panel's")
			}
			return nil
		})
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config:            p.config(appConfig("store_password = false")),
					ConfigStateChecks: append([]statecheck.StateCheck{sameID.AddStateValue(app, tfjsonpath.New("id"))}, passwordIsNull...),
				},
				{
					// Turned on: the current password is read, nothing is rotated.
					Config: p.config(appConfig("")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(app, tfjsonpath.New("password")),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(app, tfjsonpath.New("id")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("password"), panelPassword),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("store_password"), knownvalue.Bool(true)),
					},
					Check: resource.ComposeTestCheckFunc(writes, p.panelMatchesState(app)),
				},
				{
					// Turned off: the password leaves state, and the plan says so.
					Config: p.config(appConfig("store_password = false")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.Null()),
					}},
					ConfigStateChecks: append([]statecheck.StateCheck{sameID.AddStateValue(app, tfjsonpath.New("id"))}, passwordIsNull...),
					Check:             resource.ComposeTestCheckFunc(writes, p.noPassword),
				},
			},
		})
	})
}

func TestServerDatabase_storePasswordFalseWithImportBlock(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		seeded := p.AddDatabase(p.server.Identifier, "app", "%")
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					// An import block brings the configuration into the same plan, so the
					// password is planned null and the state the apply writes never holds it.
					Config: p.config(`
import {
  to = pterodactyl_server_database.app
  id = "SERVER/` + seeded.ID + `"
}
` + appConfig("store_password = false")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.Null()),
						plancheck.ExpectKnownValue(app, tfjsonpath.New("store_password"), knownvalue.Bool(false)),
					}},
					ConfigStateChecks: passwordIsNull,
					Check:             resource.ComposeTestCheckFunc(p.noPassword, p.requests(paneltest.RouteRotatePassword, 0)),
				},
				{
					Config:           p.config(appConfig("store_password = false")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		})
	})
}

// terraform import cannot show the provider the configuration, so it imports with the
// default and the next apply takes the password out of state. The documentation says so and
// recommends an import block; this pins that behavior.
func TestServerDatabase_storePasswordFalseAfterImportCommand(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	seeded := p.AddDatabase(p.server.Identifier, "app", "%")
	cfg := p.config(appConfig("store_password = false"))
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:             cfg,
				ResourceName:       app,
				ImportState:        true,
				ImportStateKind:    resource.ImportCommandWithID,
				ImportStateId:      p.server.Identifier + "/" + seeded.ID,
				ImportStatePersist: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.Null()),
				}},
				ConfigStateChecks: passwordIsNull,
				Check:             resource.ComposeTestCheckFunc(p.noPassword, p.requests(paneltest.RouteRotatePassword, 0)),
			},
		},
	})
}
