package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

const hostAddr = "pterodactyl_database_host.eu"

// writeOnlyAttributes gates tests that set password_wo. OpenTofu:
// website/docs/language/ephemerality/write-only-attributes.mdx ("only with OpenTofu v1.11
// onwards"), the same version number as Terraform's.
var writeOnlyAttributes = onEachCLI("write-only attributes",
	tfversion.SkipBelow(tfversion.Version1_11_0), tfversion.SkipBelow(tfversion.Version1_11_0))

// withoutWriteOnly runs a test only on a CLI older than write-only attributes (1.11 on both
// Terraform and OpenTofu).
type withoutWriteOnly struct{}

func (withoutWriteOnly) CheckTerraformVersion(_ context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	if !req.TerraformVersion.LessThan(tfversion.Version1_11_0) {
		resp.Skip = fmt.Sprintf("CLI version %s has write-only attributes: skipping a test of the CLIs without them", req.TerraformVersion)
	}
}

// hostPanel is a fake panel with three nodes, its server and owner's key (a client key of a
// user who is not an admin), and an administrator's application key that may do everything.
type hostPanel struct {
	*testPanel
	admin string
}

func startHostPanel(t *testing.T, flavor paneltest.Flavor) *hostPanel {
	t.Helper()
	p := startPanelWith(t, paneltest.Options{Flavor: flavor, Nodes: 3})
	return &hostPanel{testPanel: p, admin: p.AddKey(paneltest.Key{Application: true})}
}

// adminConfig is the provider block with the admin's key, followed by body.
func (p *hostPanel) adminConfig(body string) string { return p.providerBlock(p.admin) + body }

// hostBlock is pterodactyl_database_host.eu at 10.0.0.5 as user pelican, with the extra
// attribute lines given.
func hostBlock(name string, lines ...string) string {
	return fmt.Sprintf("resource \"pterodactyl_database_host\" \"eu\" {\n  name     = %q\n  host     = \"10.0.0.5\"\n"+
		"  username = \"pelican\"\n  %s\n}\n", name, strings.Join(lines, "\n  "))
}

// stateID is the id in state of the resource at address.
func stateID(req statecheck.CheckStateRequest, address string) (string, error) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		return "", errors.New("no state")
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address == address {
			if id, ok := r.AttributeValues["id"].(string); ok {
				return id, nil
			}
			return "", fmt.Errorf("%s has no id in state", address)
		}
	}
	return "", fmt.Errorf("%s is not in state", address)
}

// hostOnPanel runs check on the panel's host that the resource at address names.
func hostOnPanel(p *hostPanel, address string, check func(paneltest.DatabaseHost) error) statecheck.StateCheck {
	return stateCheckFunc(func(req statecheck.CheckStateRequest) error {
		id, err := stateID(req, address)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(id)
		if err != nil {
			return fmt.Errorf("%s: id %q is not a number", address, id)
		}
		h, ok := p.DatabaseHost(n)
		if !ok {
			return fmt.Errorf("%s: host %d is not on the panel", address, n)
		}
		return check(h)
	})
}

// panelHost checks what the panel holds for the host; the password is compared, not printed.
func panelHost(p *hostPanel, name, password string, nodes ...int) statecheck.StateCheck {
	return hostOnPanel(p, hostAddr, func(h paneltest.DatabaseHost) error {
		switch {
		case h.Name != name || h.Host != "10.0.0.5" || h.Username != "pelican":
			return fmt.Errorf("the panel's host is %s %s@%s, want %s pelican@10.0.0.5", h.Name, h.Username, h.Host, name)
		case h.Password != password:
			return fmt.Errorf("the panel holds another password for host %d than the test expects (not printed)", h.ID)
		case !slices.Equal(h.NodeIDs, nodes):
			return fmt.Errorf("the panel's host serves nodes %v, want %v", h.NodeIDs, nodes)
		}
		return nil
	})
}

// recordID stores the resource's id in *id.
func recordID(address string, id *string) statecheck.StateCheck {
	return stateCheckFunc(func(req statecheck.CheckStateRequest) error {
		got, err := stateID(req, address)
		*id = got
		return err
	})
}

// noSecretIn reports a secret anywhere in text; where names the text.
func noSecretIn(where string, text []byte, secrets []string) error {
	for _, s := range secrets {
		if strings.Contains(string(text), s) {
			return fmt.Errorf("%s holds a password (%d characters) that must stay out of it", where, len(s))
		}
	}
	return nil
}

// stateHasNo checks that no secret is anywhere in state, identities and outputs included.
func stateHasNo(secrets ...string) statecheck.StateCheck {
	return stateCheckFunc(func(req statecheck.CheckStateRequest) error {
		b, err := json.Marshal(req.State)
		if err != nil {
			return err
		}
		return noSecretIn("the state", b, secrets)
	})
}

// planHasNo checks that no secret is in the plan's values: prior state, planned values and
// every change. (The plan's copy of the configuration holds what the configuration says.)
type planHasNo []string

func (s planHasNo) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal([]any{req.Plan.PriorState, req.Plan.PlannedValues, req.Plan.ResourceChanges, req.Plan.ResourceDrift})
	if err != nil {
		resp.Error = err
		return
	}
	resp.Error = noSecretIn("the plan", b, s)
}

// The whole life of a host whose password is write-only: it never reaches plan or state; the
// panel gets it on create and when password_wo_version changes, and keeps the old one
// otherwise; a node change replaces the host; import by id, by command and by import block.
func TestDatabaseHost_writeOnlyPassword(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	config := func(name, password string, version int, nodes string) string {
		return p.adminConfig(hostBlock(name,
			fmt.Sprintf("password_wo = %q", password), fmt.Sprintf("password_wo_version = %d", version), "node_ids = "+nodes))
	}
	const first, second = "wo-first-Secret-1", "wo-second-Secret-2"
	secrets := planHasNo{first, second}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	newID := statecheck.CompareValue(compare.ValuesDiffer())
	var firstID string
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{writeOnlyAttributes},
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy: func(*terraform.State) error {
			if hosts := p.DatabaseHosts(); len(hosts) != 1 {
				return fmt.Errorf("after destroy the panel has %d hosts, want only the one it started with", len(hosts))
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: config("eu-mysql-1", first, 1, "[1, 2]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(hostAddr, tfjsonpath.New("password_wo"), knownvalue.Null()),
					secrets,
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`))),
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("name"), knownvalue.StringExact("eu-mysql-1")),
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("port"), knownvalue.Int64Exact(3306)),
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("password"), knownvalue.Null()),
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("node_ids"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.Int64Exact(1), knownvalue.Int64Exact(2)})),
					panelHost(p, "eu-mysql-1", first, 1, 2),
					stateHasNo(first, second),
					sameID.AddStateValue(hostAddr, tfjsonpath.New("id")),
					recordID(hostAddr, &firstID),
				},
			},
			{
				// A new password_wo without a new version is not sent: the panel keeps the
				// old password, and the rename alone goes out.
				Config: config("eu-mysql-2", second, 1, "[1, 2]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionUpdate),
					secrets,
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					panelHost(p, "eu-mysql-2", first, 1, 2),
					stateHasNo(first, second),
					sameID.AddStateValue(hostAddr, tfjsonpath.New("id")),
				},
				Check: p.requests(paneltest.RouteAppUpdateDatabaseHost, 1),
			},
			{
				// The version changes: the password the configuration gives now is sent, in
				// place. The order of node_ids does not matter.
				Config: config("eu-mysql-2", second, 2, "[2, 1]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionUpdate),
					secrets,
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					panelHost(p, "eu-mysql-2", second, 1, 2),
					stateHasNo(first, second),
					sameID.AddStateValue(hostAddr, tfjsonpath.New("id")),
					newID.AddStateValue(hostAddr, tfjsonpath.New("id")),
				},
				Check: p.requests(paneltest.RouteAppUpdateDatabaseHost, 2),
			},
			{
				// The panel ignores node_ids on update, so a change replaces the host; the
				// new host gets the password of the configuration.
				Config: config("eu-mysql-2", second, 2, "[1, 3]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionReplace),
					secrets,
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					panelHost(p, "eu-mysql-2", second, 1, 3),
					stateHasNo(first, second),
					newID.AddStateValue(hostAddr, tfjsonpath.New("id")),
				},
				Check: resource.ComposeTestCheckFunc(
					p.requests(paneltest.RouteAppUpdateDatabaseHost, 2),
					func(*terraform.State) error {
						n, _ := strconv.Atoi(firstID)
						if _, ok := p.DatabaseHost(n); ok {
							return fmt.Errorf("the replaced host %s is still on the panel", firstID)
						}
						return nil
					}),
			},
			{
				// terraform import by id: what the panel shows matches; the password's
				// version and the nodes, which it never shows, come from the configuration.
				Config:                  config("eu-mysql-2", second, 2, "[1, 3]"),
				ResourceName:            hostAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password_wo_version", "node_ids"},
			},
			{
				// An import block by id plans an in-place update that records the nodes and
				// the version (sending the password), never a replacement.
				Config:             config("eu-mysql-2", second, 2, "[1, 3]"),
				ResourceName:       hostAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionUpdate),
					secrets,
				}},
			},
			{
				Config:        config("eu-mysql-2", second, 2, "[1, 3]"),
				ResourceName:  hostAddr,
				ImportState:   true,
				ImportStateId: "99",
				ExpectError:   errorRE("Cannot import the database host", "The panel has no database host with the id 99", "It has: 1 (Host 1,"),
			},
			{
				Config:        config("eu-mysql-2", second, 2, "[1, 3]"),
				ResourceName:  hostAddr,
				ImportState:   true,
				ImportStateId: "eu-mysql-2",
				ExpectError:   errorRE("Invalid import ID", `The import ID "eu-mysql-2" is not a database host's id`),
			},
		},
	})
}

// The password attribute, for Terraform before 1.11: kept in state, marked sensitive, and
// sent whenever it changes. A node change replaces the host on every version.
func TestDatabaseHost_statePassword(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	config := func(password, nodes string) string {
		return p.adminConfig(hostBlock("eu-mysql-1", fmt.Sprintf("password = %q", password), "port = 3307", "node_ids = "+nodes))
	}
	const first, second = "state-first-Secret-1", "state-second-Secret-2"
	var gone string
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config(first, "[1]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectSensitiveValue(hostAddr, tfjsonpath.New("password")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(hostAddr, tfjsonpath.New("password")),
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("password"), knownvalue.StringExact(first)),
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("port"), knownvalue.Int64Exact(3307)),
					hostOnPanel(p, hostAddr, func(h paneltest.DatabaseHost) error {
						if h.Port != 3307 {
							return fmt.Errorf("the panel's port is %d, want 3307", h.Port)
						}
						return nil
					}),
					panelHost(p, "eu-mysql-1", first, 1),
				},
			},
			{
				Config: config(second, "[1]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{panelHost(p, "eu-mysql-1", second, 1)},
				Check:             p.requests(paneltest.RouteAppUpdateDatabaseHost, 1),
			},
			{
				Config: config(second, "[2]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{panelHost(p, "eu-mysql-1", second, 2), recordID(hostAddr, &gone)},
				Check:             p.requests(paneltest.RouteAppUpdateDatabaseHost, 1),
			},
			{
				Config:                  config(second, "[2]"),
				ResourceName:            hostAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password", "node_ids"},
			},
			{
				// An import block plans an in-place update that records the nodes and sends
				// the password, never a replacement.
				Config:             config(second, "[2]"),
				ResourceName:       hostAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionUpdate),
				}},
			},
			{
				// A host deleted outside Terraform leaves state at the refresh, and the
				// plan makes it again.
				PreConfig: func() {
					client, err := panel.New(panel.Config{URL: p.URL(), APIKey: p.admin})
					if err != nil {
						t.Fatal(err)
					}
					if err := client.DeleteDatabaseHost(t.Context(), gone); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(second, "[2]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{panelHost(p, "eu-mysql-1", second, 2)},
			},
		},
	})
}

// Invalid combinations and values are refused at plan time, before any request.
func TestDatabaseHost_planTimeValidation(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	password, nodes := `password = "a-password"`, "node_ids = [1]" //nolint:gosec // configuration lines of a test
	cases := []struct {
		name   string
		checks []tfversion.TerraformVersionCheck
		body   string
		want   []string
	}{
		{"both passwords", []tfversion.TerraformVersionCheck{writeOnlyAttributes},
			hostBlock("eu", password, `password_wo = "a-password"`, nodes),
			[]string{`"password" cannot be specified when "password_wo" is specified`}},
		{"no password", minTerraform, hostBlock("eu", nodes),
			[]string{"At least one attribute out of", "password_wo", "must be specified"}},
		{"version without password_wo", minTerraform, hostBlock("eu", password, "password_wo_version = 1", nodes),
			[]string{`"password_wo" must be specified when "password_wo_version" is specified`}},
		{"port", minTerraform, hostBlock("eu", password, "port = 0", nodes), []string{"port value must be between 1 and 65535, got: 0"}},
		{"node id", minTerraform, hostBlock("eu", password, "node_ids = [0]"), []string{"must be at least 1, got: 0"}},
		{"username", minTerraform, strings.Replace(hostBlock("eu", password, nodes), "pelican", strings.Repeat("u", 33), 1),
			[]string{"username string length must be between 1 and 32, got: 33"}},
		{"write-only before 1.11", []tfversion.TerraformVersionCheck{withoutWriteOnly{}},
			hostBlock("eu", `password_wo = "a-password"`, nodes),
			[]string{"WriteOnly Attribute Not Allowed", "only supported in Terraform 1.11 and later"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   tc.checks,
				ProtoV6ProviderFactories: providerFactories,
				Steps:                    []resource.TestStep{{Config: p.adminConfig(tc.body), ExpectError: errorRE(tc.want...)}},
			})
		})
	}
	if n := p.TotalRequests(); n != 0 {
		t.Fatalf("the panel got %d requests; a configuration refused at plan time must send none", n)
	}
}

// On Pterodactyl, which has no database host API, the resource is refused at plan time with
// the reason, before anything is sent.
func TestDatabaseHost_refusedOnPterodactyl(t *testing.T) {
	p := startHostPanel(t, paneltest.Pterodactyl)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: p.adminConfig(hostBlock("eu", `password = "a-password"`, "node_ids = [1]")),
			// At plan time: the plan fails, not the apply.
			ExpectError: errorRE("Error running pre-apply plan", "Pterodactyl has no database host API",
				"database hosts are made in its admin area (Admin → Databases). pterodactyl_database_host needs a Pelican panel"),
		}},
	})
	if n := p.TotalRequests(); n != 0 {
		t.Fatalf("the panel got %d requests; the refusal must come before any", n)
	}
}

// A host that databases still use is not deleted: the provider counts them first and says
// how many, nothing is sent, and the host stays in state. With a key that may not read server
// databases they cannot be counted, and the panel's bare 500 is explained instead.
func TestDatabaseHost_deleteRefusedWhileInUse(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	acl := paneltest.ACLResourcesOf(paneltest.Pelican)
	hostsOnly := p.AddKey(paneltest.Key{Application: true, ACL: map[string]int{acl.DatabaseHosts: paneltest.ACLRead | paneltest.ACLWrite}})
	host := hostBlock("eu", `password = "a-password"`, "node_ids = [1]")
	var id string
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:            p.adminConfig(host),
				ConfigStateChecks: []statecheck.StateCheck{recordID(hostAddr, &id)},
			},
			{
				// The server's node has two hosts, the panel's first and this one, and the
				// fake gives new databases to them in turn: two of four land here.
				PreConfig: func() {
					for _, name := range []string{"a1", "a2", "a3", "a4"} {
						p.AddDatabase(p.server.Identifier, name, "%")
					}
					n, _ := strconv.Atoi(id)
					if got := p.DatabasesOnHost(n); got != 2 {
						t.Fatalf("host %s has %d databases, want 2", id, got)
					}
				},
				Config: p.providerBlock(hostsOnly),
				ExpectError: errorRE("Cannot delete the database host", "the panel refused with a generic error",
					"the API key may not read server databases", "Give the API key the server_database permission set to Read"),
			},
			{
				PreConfig: func() {
					if n := p.Requests(paneltest.RouteAppDeleteDatabaseHost); n != 1 {
						t.Fatalf("DELETE requests = %d, want 1 (the uncounted try)", n)
					}
				},
				Config:      p.providerBlock(p.admin),
				ExpectError: errorRE("Cannot delete the database host", "Database host", "still has 2 databases; delete them first (or move them"),
			},
			{
				// Nothing more was sent, and the host is still in state: the plan is empty
				// once its databases are gone.
				PreConfig: func() {
					if n := p.Requests(paneltest.RouteAppDeleteDatabaseHost); n != 1 {
						t.Fatalf("DELETE requests = %d, want still 1: the counted refusal sends nothing", n)
					}
					n, _ := strconv.Atoi(id)
					if _, ok := p.DatabaseHost(n); !ok {
						t.Fatalf("host %s is gone from the panel", id)
					}
					for _, db := range p.Databases(p.server.Identifier) {
						if db.HostID == n {
							p.DeleteDatabase(p.server.Identifier, db.ID)
						}
					}
				},
				Config: p.adminConfig(host),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionNoop),
				}},
			},
		},
	})
	if n := p.Requests(paneltest.RouteAppDeleteDatabaseHost); n != 2 {
		t.Fatalf("DELETE requests = %d, want 2: the uncounted try and the final destroy", n)
	}
}

// The panel tests a host's credentials on create and update and answers a bare 500 when it
// cannot log in; the error says so, and nothing changes.
func TestDatabaseHost_connectionTestFails(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	p.SetHostLoginCheck(func(l paneltest.HostLogin) error {
		if l.Password == "wrong-password" {
			return errors.New("access denied")
		}
		return nil
	})
	config := func(password string) string {
		return p.adminConfig(hostBlock("eu", fmt.Sprintf("password = %q", password), "node_ids = [1]"))
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config("wrong-password"),
				ExpectError: errorRE("Cannot create the database host",
					`the panel could not log in to the database host 10.0.0.5:3306 as "pelican" with the password given`,
					"Nothing was saved on the panel, and Terraform state was kept."),
			},
			{
				PreConfig: func() {
					if n := len(p.DatabaseHosts()); n != 1 {
						t.Fatalf("the panel has %d hosts after a failed create, want the 1 it started with", n)
					}
				},
				Config:            config("right-password"),
				ConfigStateChecks: []statecheck.StateCheck{panelHost(p, "eu", "right-password", 1)},
			},
			{
				Config:      config("wrong-password"),
				ExpectError: errorRE("Cannot update the database host", "could not log in to the database host 10.0.0.5:3306", "Nothing was saved"),
			},
			{
				// The failed update changed neither the panel nor the state.
				Config: config("right-password"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{panelHost(p, "eu", "right-password", 1)},
			},
		},
	})
}

// A create whose answer is lost after the panel made the host is not sent again: the
// provider finds the host among the panel's and tracks it.
func TestDatabaseHost_lostCreateAnswer(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	p.InjectFault(paneltest.Fault{Route: paneltest.RouteAppCreateDatabaseHost, DropAfterCommit: true})
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config:            p.adminConfig(hostBlock("eu", `password = "a-password"`, "node_ids = [1]")),
			ConfigStateChecks: []statecheck.StateCheck{panelHost(p, "eu", "a-password", 1)},
			Check: resource.ComposeTestCheckFunc(
				p.requests(paneltest.RouteAppCreateDatabaseHost, 1),
				func(*terraform.State) error {
					if n := len(p.DatabaseHosts()); n != 2 {
						return fmt.Errorf("the panel has %d hosts, want its first and the one made", n)
					}
					return nil
				}),
		}},
	})
}

// A key that may not manage hosts gets an error that names the key or the permission needed.
func TestDatabaseHost_keyErrors(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	acl := paneltest.ACLResourcesOf(paneltest.Pelican)
	readOnly := p.AddKey(paneltest.Key{Application: true, ACL: map[string]int{acl.DatabaseHosts: paneltest.ACLRead}})
	host := hostBlock("eu", `password = "a-password"`, "node_ids = [1]")
	for name, tc := range map[string]struct {
		key  string
		want []string
	}{
		"client key of a user who is not an admin": {p.key, []string{"Cannot create the database host",
			"not a panel administrator", "Use an application key (Admin → API Keys, papp_…) whose database_host",
			"permission is set to Read & Write, or a client key (pacc_…) of a root admin."}},
		"application key that may only read hosts": {readOnly, []string{"Cannot create the database host",
			"This action is unauthorized", "The application key needs the database_host permission set to Read & Write"}},
	} {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   minTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps:                    []resource.TestStep{{Config: p.providerBlock(tc.key) + host, ExpectError: errorRE(tc.want...)}},
			})
		})
	}
	if n := len(p.DatabaseHosts()); n != 1 {
		t.Fatalf("the panel has %d hosts, want the 1 it started with", n)
	}
}

// Import by identity (Terraform and OpenTofu 1.12+): the identity is the host's id. The panel
// shows neither password nor nodes, so the import plans an update that records them.
func TestDatabaseHost_importByIdentity(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	existing := p.AddDatabaseHost(paneltest.DatabaseHost{Name: "eu", Host: "10.0.0.5", Port: 3306, Username: "pelican",
		Password: "the-password", NodeIDs: []int{1, 2}})
	id := strconv.Itoa(existing.ID)
	host := hostBlock("eu", `password = "the-password"`, "node_ids = [1, 2]")
	importBlock := func(id string) string {
		return fmt.Sprintf("import {\n  to = %s\n  identity = {\n    id = %q\n  }\n}\n", hostAddr, id)
	}
	identity := statecheck.ExpectIdentity(hostAddr, map[string]knownvalue.Check{"id": knownvalue.StringExact(id)})
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{importByIdentity},
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      p.adminConfig(host + importBlock("eu")),
				ExpectError: errorRE("Invalid import ID", `The identity's id "eu" is not a database host's id`),
			},
			{
				Config: p.adminConfig(host + importBlock(id)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					identity,
					statecheck.ExpectIdentityValueMatchesState(hostAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					panelHost(p, "eu", "the-password", 1, 2),
				},
			},
			{
				Config:             p.adminConfig(host),
				ResourceName:       hostAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: p.adminConfig(host),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{identity},
			},
		},
	})
}

// cliHas reports whether the harness's CLI passes the version check.
func cliHas(t *testing.T, check tfversion.TerraformVersionCheck) bool {
	t.Helper()
	v, err := version.NewVersion(cliVersion(t))
	if err != nil {
		t.Fatalf("CLI version: %v", err)
	}
	var resp tfversion.CheckTerraformVersionResponse
	check.CheckTerraformVersion(t.Context(), tfversion.CheckTerraformVersionRequest{TerraformVersion: v}, &resp)
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	return resp.Skip == ""
}

// TestDatabaseHost_secretsStayOutOfLogs runs the provider as its own binary with TF_LOG=TRACE
// through a host's create, password change, refresh, import and destroy: neither password nor
// the admin's key may appear in the log or the output; a write-only password (Terraform 1.11+)
// not in the state files either.
func TestDatabaseHost_secretsStayOutOfLogs(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	secrets := newPanelSecrets(p.testPanel)
	passwords := []string{"trace-state-Secret-1", "trace-state-Secret-2", "trace-wo-Secret-1", "trace-wo-Secret-2"}
	secrets.mu.Lock()
	secrets.seen[p.admin] = true
	for _, s := range passwords {
		secrets.seen[s] = true
	}
	secrets.mu.Unlock()

	writeOnly := cliHas(t, writeOnlyAttributes)
	config := cliTerraformBlock + `
variable "state_password" {
  type      = string
  sensitive = true
}
resource "pterodactyl_database_host" "state" {
  name     = "state"
  host     = "10.0.0.5"
  username = "pelican"
  password = var.state_password
  node_ids = [1]
}
`
	if writeOnly {
		config += `
variable "wo_password" {
  type      = string
  sensitive = true
}
variable "wo_version" {
  type = number
}
resource "pterodactyl_database_host" "wo" {
  name                = "wo"
  host                = "10.0.0.5"
  username            = "pelican"
  password_wo         = var.wo_password
  password_wo_version = var.wo_version
  node_ids            = [1]
}
data "pterodactyl_database_hosts" "all" {
  depends_on = [pterodactyl_database_host.wo, pterodactyl_database_host.state]
}
`
	}
	logFile := filepath.Join(t.TempDir(), "trace.log")
	w := newCLIWorkdir(t, p.testPanel, secrets, EnvAPIKey+"="+p.admin, "TF_LOG=TRACE", "TF_LOG_PATH="+logFile)
	w.write("main.tf", config)
	vars := func(n int) {
		w.write("terraform.tfvars", fmt.Sprintf("state_password = %q\nwo_password = %q\nwo_version = %d\n",
			passwords[n-1], passwords[n+1], n))
	}
	w.run("init", "-input=false", "-no-color")
	vars(1)
	w.run("apply", "-input=false", "-auto-approve", "-no-color")
	vars(2)
	w.run("apply", "-input=false", "-auto-approve", "-no-color")
	w.run("apply", "-refresh-only", "-input=false", "-auto-approve", "-no-color")
	state := w.mustInstance(w.state(), "pterodactyl_database_host.state")
	id, _ := state.Attributes["id"].(string)
	w.run("state", "rm", "-no-color", "pterodactyl_database_host.state")
	w.run("import", "-input=false", "-no-color", "pterodactyl_database_host.state", id)
	w.run("plan", "-input=false", "-no-color")
	w.run("destroy", "-input=false", "-auto-approve", "-no-color")

	n, _ := strconv.Atoi(id)
	if h, ok := p.DatabaseHost(n); ok || len(p.DatabaseHosts()) != 1 {
		t.Fatalf("host %v still on the panel after destroy", h.ID)
	}
	raw, err := os.ReadFile(logFile) //nolint:gosec // the test's own temp dir
	if err != nil {
		t.Fatal(err)
	}
	logs := string(raw)
	if !strings.Contains(logs, "@module=pterodactyl.panel") || !strings.Contains(logs, "database-hosts") {
		t.Fatal("the trace log has no panel lines about database hosts: the test would prove nothing")
	}
	secrets.check(t, "the TRACE log", logs)
	w.checkOutput()
	if writeOnly {
		for _, name := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
			if err := noSecretIn(name, decodePrivate(t, w.read(name)), passwords[2:]); err != nil {
				t.Error(err)
			}
		}
	}
}

// decodePrivate returns a state file followed by each instance's private data, decoded, since
// base64 would hide a secret from a plain search.
func decodePrivate(t *testing.T, state string) []byte {
	t.Helper()
	var doc struct {
		Resources []struct {
			Instances []map[string]any `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal([]byte(state), &doc); err != nil {
		t.Fatal(err)
	}
	out := []byte(state)
	for _, r := range doc.Resources {
		for _, inst := range r.Instances {
			if private, ok := inst["private"].(string); ok {
				decoded, err := base64.StdEncoding.DecodeString(private)
				if err != nil {
					t.Fatalf("private data: %v", err)
				}
				out = append(out, decoded...)
				// The framework's private data is a JSON map of base64 values.
				var values map[string][]byte
				if json.Unmarshal(decoded, &values) == nil {
					for _, v := range values {
						out = append(out, v...)
					}
				}
			}
		}
	}
	return out
}

// node_ids may be left out (Pelican's validation is nullable|array): the host serves no node.
// Giving it nodes later replaces it, as any change of nodes does, since the panel takes them only
// at create; a host made without them is not one whose nodes are unknown, as after an import.
func TestDatabaseHost_withoutNodes(t *testing.T) {
	p := startHostPanel(t, paneltest.Pelican)
	const password = "nodes-Secret-1"
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: p.adminConfig(hostBlock("eu", fmt.Sprintf("password = %q", password))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(hostAddr, tfjsonpath.New("node_ids"), knownvalue.Null()),
					panelHost(p, "eu", password),
				},
			},
			{
				Config: p.adminConfig(hostBlock("eu", fmt.Sprintf("password = %q", password), "node_ids = [1]")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(hostAddr, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{panelHost(p, "eu", password, 1)},
			},
		},
	})
}
