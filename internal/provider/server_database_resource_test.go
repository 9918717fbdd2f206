package provider

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

const app = "pterodactyl_server_database.app"

var (
	usernameRE = regexp.MustCompile(`^u12_[A-Za-z0-9]{10}$`)
	passwordRE = regexp.MustCompile(`^[A-Za-z0-9!@=.+^]{24}$`)
)

func appConfig(extra string) string {
	return `
resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "app"
` + extra + `
}
`
}

// panelMatchesState checks that the panel holds exactly the databases in state for the
// server: same ids, names and passwords.
func (p *testPanel) panelMatchesState(addresses ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		dbs := p.Databases(p.server.Identifier)
		if len(dbs) != len(addresses) {
			return fmt.Errorf("panel has %d databases, state has %d", len(dbs), len(addresses))
		}
		for _, addr := range addresses {
			rs, ok := s.RootModule().Resources[addr]
			if !ok {
				return fmt.Errorf("%s not in state", addr)
			}
			found := false
			for _, db := range dbs {
				if db.ID == rs.Primary.ID {
					found = true
					if db.Name != rs.Primary.Attributes["database_name"] {
						return fmt.Errorf("%s: panel name %q, state %q", addr, db.Name, rs.Primary.Attributes["database_name"])
					}
					if db.Password != rs.Primary.Attributes["password"] {
						return errors.New(addr + ": the password in state is not the panel's")
					}
				}
			}
			if !found {
				return fmt.Errorf("%s: id %s not on the panel", addr, rs.Primary.ID)
			}
		}
		return nil
	}
}

func TestServerDatabase_createThenEmptyPlan(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: p.config(appConfig("")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionCreate),
						// The server is readable at plan time, so the stored name is known.
						plancheck.ExpectKnownValue(app, tfjsonpath.New("database_name"), knownvalue.StringExact("s12_app")),
						plancheck.ExpectUnknownValue(app, tfjsonpath.New("password")),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(app, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^\S+$`))),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("server_id"), knownvalue.StringExact(p.server.Identifier)),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("name"), knownvalue.StringExact("app")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("database_name"), knownvalue.StringExact("s12_app")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("remote"), knownvalue.StringExact("%")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("username"), knownvalue.StringRegexp(usernameRE)),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.StringRegexp(passwordRE)),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("host"), knownvalue.StringExact("127.0.0.1")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("port"), knownvalue.Int64Exact(3306)),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("max_connections"), knownvalue.Int64Exact(0)),
						statecheck.ExpectSensitiveValue(app, tfjsonpath.New("password")),
					},
					Check: p.panelMatchesState(app),
				},
				{
					Config: p.config(appConfig("")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
			},
			CheckDestroy: func(*terraform.State) error {
				if n := len(p.Databases(p.server.Identifier)); n != 0 {
					return fmt.Errorf("%d databases left on the panel after destroy", n)
				}
				return nil
			},
		})
	})
}

func TestServerDatabase_rotationIsAnUpdate(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		sameID := statecheck.CompareValue(compare.ValuesSame())
		newPassword := statecheck.CompareValue(compare.ValuesDiffer())
		var rotatesBefore int
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: p.config(appConfig(`rotate_when_changed = { schedule = "2026-11" }`)),
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(app, tfjsonpath.New("id")),
						newPassword.AddStateValue(app, tfjsonpath.New("password")),
					},
					Check: func(*terraform.State) error {
						rotatesBefore = p.Requests(paneltest.RouteRotatePassword)
						return nil
					},
				},
				{
					Config: p.config(appConfig(`rotate_when_changed = { schedule = "2026-12" }`)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(app, tfjsonpath.New("password")),
						plancheck.ExpectKnownValue(app, tfjsonpath.New("username"), knownvalue.StringRegexp(usernameRE)),
						plancheck.ExpectKnownValue(app, tfjsonpath.New("id"), knownvalue.NotNull()),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(app, tfjsonpath.New("id")),
						newPassword.AddStateValue(app, tfjsonpath.New("password")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("password"), knownvalue.StringRegexp(passwordRE)),
					},
					Check: resource.ComposeTestCheckFunc(p.panelMatchesState(app), func(*terraform.State) error {
						if got := p.Requests(paneltest.RouteRotatePassword) - rotatesBefore; got != 1 {
							return fmt.Errorf("rotate-password called %d times, want 1", got)
						}
						if got := p.Requests(paneltest.RouteCreateDatabase); got != 1 {
							return fmt.Errorf("create called %d times, want 1: a rotation must not replace", got)
						}
						return nil
					}),
				},
				{
					// Removing the triggers is a change too: it rotates once more, in place.
					Config: p.config(appConfig("")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						sameID.AddStateValue(app, tfjsonpath.New("id")),
						newPassword.AddStateValue(app, tfjsonpath.New("password")),
					},
					Check: p.panelMatchesState(app),
				},
			},
		})
	})
}

func TestServerDatabase_outOfBandRotationIsPickedUp(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		var rotated string
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: p.config(appConfig(""))},
				{
					PreConfig: func() {
						db := p.Databases(p.server.Identifier)[0]
						rotated = p.RotatePassword(p.server.Identifier, db.ID)
					},
					RefreshState: true,
					Check: func(s *terraform.State) error {
						if s.RootModule().Resources[app].Primary.Attributes["password"] != rotated {
							return errors.New("refresh did not pick up the password rotated on the panel")
						}
						return nil
					},
				},
				{
					Config: p.config(appConfig("")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
					Check: p.panelMatchesState(app),
				},
			},
		})
	})
}

func TestServerDatabase_outOfBandDeletionIsPlannedAsCreate(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: p.config(appConfig(""))},
				{
					PreConfig: func() {
						db := p.Databases(p.server.Identifier)[0]
						if !p.DeleteDatabase(p.server.Identifier, db.ID) {
							t.Fatal("out-of-band delete failed")
						}
					},
					Config: p.config(appConfig("")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionCreate),
					}},
					Check: p.panelMatchesState(app),
				},
			},
		})
	})
}

func TestServerDatabase_nameOrRemoteChangeReplaces(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		otherID := statecheck.CompareValue(compare.ValuesDiffer())
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config:            p.config(appConfig("")),
					ConfigStateChecks: []statecheck.StateCheck{otherID.AddStateValue(app, tfjsonpath.New("id"))},
				},
				{
					Config: p.config(`
resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "app2"
}`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectKnownValue(app, tfjsonpath.New("database_name"), knownvalue.StringExact("s12_app2")),
					}},
					ConfigStateChecks: []statecheck.StateCheck{otherID.AddStateValue(app, tfjsonpath.New("id"))},
					Check:             p.panelMatchesState(app),
				},
				{
					Config: p.config(`
resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "app2"
  remote    = "10.0.0.%"
}`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(app, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						otherID.AddStateValue(app, tfjsonpath.New("id")),
						statecheck.ExpectKnownValue(app, tfjsonpath.New("remote"), knownvalue.StringExact("10.0.0.%")),
					},
					Check: p.panelMatchesState(app),
				},
			},
		})
	})
}

func TestServerDatabase_shortIDAndUUIDAreTheSameServer(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		other := p.AddServer(paneltest.Server{InternalID: 13})
		key := p.AddKey(paneltest.Key{Servers: map[string][]string{p.server.Identifier: {"*"}, other.Identifier: {"*"}}})
		on := func(server string) string {
			return p.providerBlock(key) + fmt.Sprintf(`
resource "pterodactyl_server_database" "app" {
  server_id = %q
  name      = "app"
}`, server)
		}
		sameID := statecheck.CompareValue(compare.ValuesSame())
		samePassword := statecheck.CompareValue(compare.ValuesSame())
		// State keeps the form it has, whichever form the configuration uses.
		kept := func(form string) []statecheck.StateCheck {
			return []statecheck.StateCheck{
				sameID.AddStateValue(app, tfjsonpath.New("id")),
				samePassword.AddStateValue(app, tfjsonpath.New("password")),
				statecheck.ExpectKnownValue(app, tfjsonpath.New("server_id"), knownvalue.StringExact(form)),
			}
		}
		// Terraform accepts a planned value that differs from the configuration when it equals
		// the prior state, so the other form of the same server plans nothing at all.
		nothing := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
		writes := func() int {
			return p.Requests(paneltest.RouteCreateDatabase) + p.Requests(paneltest.RouteRotatePassword) + p.Requests(paneltest.RouteDeleteDatabase)
		}
		noWrites := func(*terraform.State) error {
			if n := writes(); n != 1 {
				return fmt.Errorf("the panel saw %d writes, want only the first create", n)
			}
			return nil
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				// Created by identifier; then the UUID, in upper case too, plans nothing.
				{Config: on(p.server.Identifier), ConfigStateChecks: kept(p.server.Identifier)},
				{Config: on(p.server.UUID), ConfigPlanChecks: nothing, ConfigStateChecks: kept(p.server.Identifier), Check: noWrites},
				{Config: on(strings.ToUpper(p.server.UUID)), ConfigPlanChecks: nothing, ConfigStateChecks: kept(p.server.Identifier), Check: noWrites},
				// The other direction: created by UUID, the identifier plans nothing.
				{Config: on(other.UUID), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(app, plancheck.ResourceActionDestroyBeforeCreate),
				}}},
				{
					Config:            on(other.Identifier),
					ConfigPlanChecks:  nothing,
					ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(app, tfjsonpath.New("server_id"), knownvalue.StringExact(other.UUID))},
					Check: func(*terraform.State) error {
						if dbs := p.Databases(other.Identifier); len(dbs) != 1 || len(p.Databases(p.server.Identifier)) != 0 {
							return fmt.Errorf("the database did not move to the other server")
						}
						return nil
					},
				},
			},
		})
	})
}

// readDirectly runs the resource's Read on a state holding model, as Terraform would.
func readDirectly(t *testing.T, r *serverDatabaseResource, model serverDatabaseModel) (*fwresource.ReadResponse, serverDatabaseModel) {
	t.Helper()
	ctx := t.Context()
	var schemaResp fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &schemaResp)
	state := tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(schemaResp.Schema.Type().TerraformType(ctx), nil)}
	model.Timeouts = timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
		"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType,
	})}
	model.RotateWhenChanged = types.MapNull(types.StringType)
	if diags := state.Set(ctx, &model); diags.HasError() {
		t.Fatal(diags)
	}
	resp := &fwresource.ReadResponse{State: state}
	r.Read(ctx, fwresource.ReadRequest{State: state}, resp)
	var out serverDatabaseModel
	if !resp.State.Raw.IsNull() {
		if diags := resp.State.Get(ctx, &out); diags.HasError() {
			t.Fatal(diags)
		}
	}
	return resp, out
}

func TestRead_withoutViewPermissionWarnsOncePerServer(t *testing.T) {
	for _, flavor := range flavors {
		t.Run(string(flavor), func(t *testing.T) {
			p := startPanel(t, flavor)
			a := p.AddDatabase(p.server.Identifier, "alpha", "%")
			b := p.AddDatabase(p.server.Identifier, "beta", "%")
			client, err := panel.New(panel.Config{URL: p.URL(), APIKey: p.withoutPermission(p.ViewPasswordPermission())})
			if err != nil {
				t.Fatal(err)
			}
			r := &serverDatabaseResource{data: &providerData{client: client}}
			warnings := 0
			for _, db := range []paneltest.Database{a, b} {
				resp, got := readDirectly(t, r, serverDatabaseModel{
					ID: types.StringValue(db.ID), ServerID: types.StringValue(p.server.Identifier),
					Name: types.StringValue("x"), Password: types.StringValue("stored-password"),
				})
				if resp.Diagnostics.HasError() {
					t.Fatal(resp.Diagnostics)
				}
				if got.Password.ValueString() != "stored-password" || got.Username.ValueString() != db.Username {
					t.Fatalf("read = %+v; the stored password must be kept and the rest refreshed", got)
				}
				for _, w := range resp.Diagnostics.Warnings() {
					warnings++
					if !strings.Contains(w.Detail(), "lacks the database.view_password permission (Pelican: database.view-password)") {
						t.Fatalf("warning does not name the permission: %s", w.Detail())
					}
				}
			}
			if warnings != 1 {
				t.Fatalf("%d warnings for two databases of one server, want 1", warnings)
			}
		})
	}
}

func TestRead_goneServerRemovesWithWarning(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	client, err := panel.New(panel.Config{URL: p.URL(), APIKey: p.key})
	if err != nil {
		t.Fatal(err)
	}
	r := &serverDatabaseResource{data: &providerData{client: client}}
	resp, _ := readDirectly(t, r, serverDatabaseModel{ID: types.StringValue("abcdefgh"), ServerID: types.StringValue("0000ffff")})
	if !resp.State.Raw.IsNull() {
		t.Fatal("a database of a server the panel no longer shows must leave state")
	}
	if resp.Diagnostics.WarningsCount() != 1 || !strings.Contains(resp.Diagnostics.Warnings()[0].Detail(), "answered 404 for server 0000ffff") {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
}
