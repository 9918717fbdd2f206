package provider

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// Resource identity needs Terraform 1.12 (OpenTofu 1.12 has it too).
var identityTerraform = []tfversion.TerraformVersionCheck{importByIdentity}

// identityOf is the identity check for a database of the test's server.
func (p *testPanel) identityOf(databaseID knownvalue.Check) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{
		"server_id":   knownvalue.StringExact(p.server.Identifier),
		"database_id": databaseID,
	}
}

// panelID matches the id the panel gave the database with the short name.
func (p *testPanel) panelID(name string) knownvalue.Check {
	return knownvalue.StringFunc(func(id string) error {
		for _, db := range p.Databases(p.server.Identifier) {
			if panelShortName(db) == name {
				if db.ID != id {
					return fmt.Errorf("database_id %q, but the panel's id of %s is %q", id, name, db.ID)
				}
				return nil
			}
		}
		return fmt.Errorf("the panel has no database %s", name)
	})
}

// panelShortName is a database's name without the s{N}_ prefix.
func panelShortName(db paneltest.Database) string {
	_, name, _ := strings.Cut(db.Name, "_")
	return name
}

// A database created by Terraform and one adopted with an import block by identity (with the
// server's UUID, which the identity stores as the short identifier) both have their identity
// in state after the apply and after a read that changed the state; a state rm and an import
// block with the identity from state then plan nothing but the import.
func TestCLIIdentity_recordedAfterCreateImportAndRead(t *testing.T) {
	const (
		app    = "pterodactyl_server_database.app"
		legacy = "pterodactyl_server_database.legacy"
	)
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		old := p.AddDatabase(p.server.Identifier, "legacy", "10.0.0.%")
		secrets := newPanelSecrets(p)
		resources := p.config(`
resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "app"
}
resource "pterodactyl_server_database" "legacy" {
  server_id = "SERVER"
  name      = "legacy"
  remote    = "10.0.0.%"
}
`)
		importBlock := fmt.Sprintf(`
import {
  to       = pterodactyl_server_database.legacy
  identity = {
    server_id   = %q
    database_id = %q
  }
}
`, p.server.UUID, old.ID)
		identities := []statecheck.StateCheck{
			statecheck.ExpectIdentity(app, p.identityOf(p.panelID("app"))),
			statecheck.ExpectIdentity(legacy, p.identityOf(knownvalue.StringExact(old.ID))),
			statecheck.ExpectIdentityValueMatchesStateAtPath(app, tfjsonpath.New("database_id"), tfjsonpath.New("id")),
			statecheck.ExpectIdentityValueMatchesStateAtPath(legacy, tfjsonpath.New("database_id"), tfjsonpath.New("id")),
			expectPanelPassword(p, app),
			expectPanelPassword(p, legacy),
			noSecretsOutsidePasswords(secrets),
		}
		legacyPassword := statecheck.CompareValue(secretsDiffer{})
		importStep := func(address string) resource.TestStep {
			return resource.TestStep{
				Config:          resources,
				ResourceName:    address,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(address, plancheck.ResourceActionNoop),
				}},
			}
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   identityTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: resources + importBlock,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(app, plancheck.ResourceActionCreate),
							plancheck.ExpectResourceAction(legacy, plancheck.ResourceActionNoop),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: append(identities, legacyPassword.AddStateValue(legacy, tfjsonpath.New("password"))),
					Check: resource.ComposeAggregateTestCheckFunc(
						p.panelMatchesState(app, legacy),
						p.requests(paneltest.RouteCreateDatabase, 1),
						p.requests(paneltest.RouteRotatePassword, 0),
					),
				},
				{
					// A password rotated outside Terraform: the refresh writes it to state, and
					// the identity stays.
					PreConfig: func() { p.RotatePassword(p.server.Identifier, old.ID) },
					Config:    resources,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: append(identities, legacyPassword.AddStateValue(legacy, tfjsonpath.New("password"))),
				},
				// terraform-plugin-testing copies the state, removes the resource with terraform
				// state rm and plans an import block with the identity it had: a no-op import
				// with the same identity, and nothing else.
				importStep(app),
				importStep(legacy),
			},
			CheckDestroy: resource.ComposeAggregateTestCheckFunc(
				p.panelMatchesState(),
				p.requests(paneltest.RouteCreateDatabase, 1),
				p.requests(paneltest.RouteRotatePassword, 0),
			),
		})
	})
}

// terraform state rm, then an import block with the identity that state had, applied as a
// user would: the database comes back with the same attributes and identity, nothing is
// created, rotated or deleted, and the next plan is empty.
func TestCLIIdentity_stateRmThenImportByIdentity(t *testing.T) {
	skipUnlessCLI(t, identityTerraform)
	const app = "pterodactyl_server_database.app"
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		w := newCLIWorkdir(t, p, secrets)
		w.write("main.tf", cliTerraformBlock+`
resource "pterodactyl_server_database" "app" {
  server_id = "`+p.server.Identifier+`"
  name      = "app"
  remote    = "10.0.0.%"
}
`)
		w.run("init", "-input=false", "-no-color")
		w.run("apply", "-input=false", "-auto-approve", "-no-color")
		created := *w.mustInstance(w.state(), app)
		db := p.Databases(p.server.Identifier)[0]
		wantIdentity := map[string]any{"server_id": p.server.Identifier, "database_id": db.ID}
		if !reflect.DeepEqual(created.Identity, wantIdentity) {
			t.Fatalf("identity after create = %v, want %v", created.Identity, wantIdentity)
		}
		if created.Attributes["id"] != db.ID || created.Attributes["password"] != db.Password {
			t.Fatal("state after create does not hold the panel's id and password")
		}

		w.run("state", "rm", "-no-color", app)
		if left := w.state().managed(); len(left) != 0 {
			t.Fatalf("state rm left %v", left)
		}
		// The identity as a user copies it from the state they removed it from, with the
		// server as its UUID, which is the same identity.
		w.write("import.tf", fmt.Sprintf(`
import {
  to       = %s
  identity = {
    server_id   = %q
    database_id = %q
  }
}
`, app, p.server.UUID, created.Identity["database_id"]))
		out := w.run("apply", "-input=false", "-auto-approve", "-no-color")
		if !strings.Contains(out, "Resources: 1 imported, 0 added, 0 changed, 0 destroyed.") {
			t.Fatalf("the import apply did more, or less, than one import:\n%s", secrets.redact(out))
		}
		imported := *w.mustInstance(w.state(), app)
		if !reflect.DeepEqual(imported.Identity, created.Identity) {
			t.Errorf("identity after import = %v, want %v as before", imported.Identity, created.Identity)
		}
		// server_id keeps the form the import gave it, which names the same server.
		if imported.Attributes["server_id"] != p.server.UUID {
			t.Errorf("server_id after import = %v, want the import's %s", imported.Attributes["server_id"], p.server.UUID)
		}
		for name, v := range created.Attributes {
			if name != "server_id" && !reflect.DeepEqual(imported.Attributes[name], v) {
				if name == "password" {
					t.Error("the imported password is not the one state had")
					continue
				}
				t.Errorf("imported %s = %v, want %v as before", name, imported.Attributes[name], v)
			}
		}
		w.planIsEmpty()
		w.run("apply", "-refresh-only", "-input=false", "-auto-approve", "-no-color")
		if refreshed := w.mustInstance(w.state(), app); !reflect.DeepEqual(refreshed.Identity, created.Identity) {
			t.Errorf("identity after a refresh = %v, want %v", refreshed.Identity, created.Identity)
		}
		w.planIsEmpty()

		p.wantRequests(t, map[paneltest.Route]int{
			paneltest.RouteCreateDatabase: 1, paneltest.RouteRotatePassword: 0, paneltest.RouteDeleteDatabase: 0,
		})
		w.checkOutput()
		w.checkStateFiles()
	})
}

// A state written before identity existed (by Terraform before 1.12, or by a provider
// version without it) has no identity: the next refresh records it and changes nothing else.
func TestCLIIdentity_refreshRecordsIdentityMissingFromState(t *testing.T) {
	skipUnlessCLI(t, identityTerraform)
	const app = "pterodactyl_server_database.app"
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		secrets := newPanelSecrets(p)
		w := newCLIWorkdir(t, p, secrets)
		w.write("main.tf", cliTerraformBlock+`
resource "pterodactyl_server_database" "app" {
  server_id = "`+p.server.UUID+`"
  name      = "app"
}
`)
		w.run("init", "-input=false", "-no-color")
		w.run("apply", "-input=false", "-auto-approve", "-no-color")
		created := *w.mustInstance(w.state(), app)
		if created.Identity == nil {
			t.Fatal("no identity after create")
		}

		w.stripIdentities()
		if w.mustInstance(w.state(), app).Identity != nil {
			t.Fatal("the identity is still in state")
		}
		w.run("apply", "-refresh-only", "-input=false", "-auto-approve", "-no-color")
		refreshed := *w.mustInstance(w.state(), app)
		want := map[string]any{"server_id": p.server.Identifier, "database_id": p.Databases(p.server.Identifier)[0].ID}
		if !reflect.DeepEqual(refreshed.Identity, want) || !reflect.DeepEqual(refreshed.Identity, created.Identity) {
			t.Errorf("identity after the refresh = %v, want %v as at create", refreshed.Identity, want)
		}
		if !reflect.DeepEqual(refreshed.Attributes, created.Attributes) {
			t.Error("the refresh changed the database's attributes")
		}
		w.planIsEmpty()
		if n := p.Requests(paneltest.RouteCreateDatabase) + p.Requests(paneltest.RouteRotatePassword) +
			p.Requests(paneltest.RouteDeleteDatabase); n != 1 {
			t.Errorf("%d create, rotate and delete requests, want the one create", n)
		}
		w.checkOutput()
		w.checkStateFiles()
	})
}

// stripIdentities rewrites the state file as a CLI or provider without resource identity
// would have written it.
func (w *cliWorkdir) stripIdentities() {
	w.t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(w.read("terraform.tfstate")), &doc); err != nil {
		w.t.Fatal(err)
	}
	resources, _ := doc["resources"].([]any)
	for _, r := range resources {
		res, _ := r.(map[string]any)
		instances, _ := res["instances"].([]any)
		for _, i := range instances {
			inst, _ := i.(map[string]any)
			delete(inst, "identity")
			delete(inst, "identity_schema_version")
		}
	}
	serial, _ := doc["serial"].(float64)
	doc["serial"] = serial + 1
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		w.t.Fatal(err)
	}
	w.write("terraform.tfstate", string(b))
}
