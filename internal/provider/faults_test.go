package provider

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// These tests break the panel the ways real panels and networks break, and check that
// Terraform ends with exactly what the panel holds: no duplicate, no orphan, no stale
// password.

func TestFaults_lostCreateIsAdopted(t *testing.T) {
	for _, retries := range []string{"", "max_retries = 0"} {
		t.Run(fmt.Sprintf("retries %q", retries), func(t *testing.T) {
			eachFlavor(t, func(t *testing.T, p *testPanel) {
				p.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, DropAfterCommit: true})
				resource.UnitTest(t, resource.TestCase{
					TerraformVersionChecks:   minTerraform,
					ProtoV6ProviderFactories: providerFactories,
					Steps: []resource.TestStep{
						{
							Config: p.configWith(retries, appConfig("")),
							Check:  resource.ComposeTestCheckFunc(p.panelMatchesState(app)),
						},
						{
							Config: p.configWith(retries, appConfig("")),
							ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
								plancheck.ExpectEmptyPlan(),
							}},
							Check: p.panelMatchesState(app),
						},
					},
				})
			})
		})
	}
}

func TestFaults_lostRotate(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		newPassword := statecheck.CompareValue(compare.ValuesDiffer())
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config:            p.config(appConfig(`rotate_when_changed = { v = "1" }`)),
					ConfigStateChecks: []statecheck.StateCheck{newPassword.AddStateValue(app, tfjsonpath.New("password"))},
				},
				{
					// With retries, the retried rotation answers and state gets the panel's password.
					PreConfig: func() {
						p.InjectFault(paneltest.Fault{Route: paneltest.RouteRotatePassword, DropAfterCommit: true})
					},
					Config:            p.config(appConfig(`rotate_when_changed = { v = "2" }`)),
					ConfigStateChecks: []statecheck.StateCheck{newPassword.AddStateValue(app, tfjsonpath.New("password"))},
					Check:             p.panelMatchesState(app),
				},
				{
					// Without retries the apply fails clearly, the rotation having happened...
					PreConfig: func() {
						p.InjectFault(paneltest.Fault{Route: paneltest.RouteRotatePassword, DropAfterCommit: true})
					},
					Config:      p.configWith("max_retries = 0", appConfig(`rotate_when_changed = { v = "3" }`)),
					ExpectError: errorRE("Cannot rotate the database password", "no answer from the panel"),
				},
				{
					// ...and the next refresh holds the panel's real password. The triggers were not
					// recorded, so the rotation is still planned.
					RefreshState:       true,
					ExpectNonEmptyPlan: true,
					Check:              p.panelMatchesState(app),
				},
			},
		})
	})
}

func TestFaults_lostDeleteSucceeds(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{Config: p.config(appConfig(""))},
				{
					PreConfig: func() {
						p.InjectFault(paneltest.Fault{Route: paneltest.RouteDeleteDatabase, DropAfterCommit: true})
					},
					Config: p.config(`
resource "pterodactyl_server_database" "other" {
  server_id = "SERVER"
  name      = "other"
}`),
					Check: resource.ComposeTestCheckFunc(
						p.panelMatchesState("pterodactyl_server_database.other"),
						// The first delete was applied and lost; the retry got 404, which is success.
						p.requests(paneltest.RouteDeleteDatabase, 2),
					),
				},
			},
		})
	})
}

func TestFaults_bursts(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					PreConfig: func() {
						p.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, Status: 503, Count: 3})
					},
					Config: p.config(appConfig(`rotate_when_changed = { v = "1" }`)),
					Check:  resource.ComposeTestCheckFunc(p.panelMatchesState(app), p.requests(paneltest.RouteCreateDatabase, 4)),
				},
				{
					PreConfig: func() {
						p.InjectFault(paneltest.Fault{Route: paneltest.RouteRotatePassword, Status: 429, RetryAfter: time.Second, Count: 5})
					},
					Config: p.config(appConfig(`rotate_when_changed = { v = "2" }`)),
					Check:  resource.ComposeTestCheckFunc(p.panelMatchesState(app), p.requests(paneltest.RouteRotatePassword, 6)),
				},
			},
		})
	})
}

// settled waits for the panel to finish every request it received, including creates whose
// client gave up, and then checks that it holds exactly the databases in state.
func (p *testPanel) settled(t *testing.T, addresses ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if err := p.WaitIdle(t.Context()); err != nil {
			return err
		}
		return p.panelMatchesState(addresses...)(s)
	}
}

// A create slower than request_timeout on a panel with two database hosts: a second create
// sent after the timeout would land on the other host and commit too. The provider looks for
// the first instead, and Terraform ends with exactly one database, in state.
func TestFaults_slowCreateIsNotSentTwice(t *testing.T) {
	for _, flavor := range flavors {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			p := startPanelWith(t, paneltest.Options{Flavor: flavor, DatabaseHosts: 2})
			p.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, HostLatency: 3 * time.Second})
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   minTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{
					{
						Config: p.configWith(`request_timeout = "1s"`, appConfig("")),
						Check:  resource.ComposeTestCheckFunc(p.settled(t, app), p.requests(paneltest.RouteCreateDatabase, 1)),
					},
					{
						Config: p.configWith(`request_timeout = "1s"`, appConfig("")),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectEmptyPlan(),
						}},
					},
				},
			})
		})
	}
}

// A create that outlives its create timeout: the panel finishes it after the provider gave up.
// The error says so; the next apply finds the database and names its import command; the
// import makes state whole again. No database is left that nothing mentions.
func TestFaults_latencyPastTheTimeout(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		slow := appConfig(`timeouts {
    create = "1s"
  }`)
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					PreConfig: func() {
						p.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, HostLatency: 4 * time.Second})
					},
					Config: p.config(slow),
					ExpectError: errorRE("Cannot create the database", "context deadline exceeded",
						"The database did not appear on server "+p.server.Identifier,
						"the panel may still finish the create",
						`The panel may still be creating database "app" on server `+p.server.Identifier,
						"a create is never sent twice", "Run terraform apply again",
						"gives the command to import it"),
				},
				{
					// The panel finished the create after the provider gave up.
					PreConfig: func() {
						if err := p.WaitIdle(t.Context()); err != nil {
							t.Fatal(err)
						}
						if n := len(p.Databases(p.server.Identifier)); n != 1 {
							t.Errorf("%d databases on the panel after the abandoned create, want the 1 it made", n)
						}
					},
					Config: p.config(appConfig("")),
					ExpectError: errorRE("Database name already taken", "already has a database named s12_app (id ",
						"import it: terraform import ADDRESS "+p.server.Identifier+"/"),
				},
				{
					Config: p.config(appConfig("") + `
import {
  to = ` + app + `
  id = "SERVER/app"
}`),
					Check: p.settled(t, app),
				},
				{
					Config: p.config(appConfig("")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
					Check: resource.ComposeTestCheckFunc(p.settled(t, app), p.requests(paneltest.RouteCreateDatabase, 1)),
				},
			},
		})
	})
}

func TestFaults_limitWithParallelCreates(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		const limit = 3
		p.SetDatabaseLimit(p.server.Identifier, paneltest.Limit(limit))
		many := p.config(fmt.Sprintf(`
resource "pterodactyl_server_database" "many" {
  count     = %d
  server_id = "SERVER"
  name      = "db${count.index}"
}`, limit+2))
		agree := func(s *terraform.State) error {
			inState := 0
			for addr := range s.RootModule().Resources {
				if strings.HasPrefix(addr, "pterodactyl_server_database.many") {
					inState++
				}
			}
			if onPanel := len(p.Databases(p.server.Identifier)); inState != limit || onPanel != limit {
				return fmt.Errorf("state holds %d databases and the panel %d, want %d each", inState, onPanel, limit)
			}
			return nil
		}
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config:      many,
					ExpectError: errorRE("HTTP 400 (TooManyDatabasesException)", fmt.Sprintf("allows %d databases and has %d", limit, limit)),
				},
				// The refused creates are still planned; what exists is in state and on the panel.
				{RefreshState: true, ExpectNonEmptyPlan: true, Check: agree},
			},
		})
	})
}

func TestBadPanelURLs(t *testing.T) {
	webPage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<html><body>Welcome to our game community!</body></html>"))
	}))
	defer webPage.Close()
	login := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/auth/login", http.StatusFound)
	}))
	defer login.Close()
	nothing := "http://" + paneltest.RefusingAddress(t)
	p := startPanel(t, paneltest.Pterodactyl)
	p.nothingCreated(t)
	tlsToPlain := strings.Replace(p.URL(), "http://", "https://", 1)
	private := httptest.NewUnstartedServer(p.Handler())
	private.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	private.StartTLS()
	defer private.Close()

	cases := []struct {
		name, url string
		want      []string
	}{
		{"web page", webPage.URL, []string{"does not look like a Pterodactyl or Pelican client API", `HTTP 200 with content type "text/html; charset=utf-8"`, "Set panel_url"}},
		{"login redirect", login.URL, []string{"a redirect (HTTP 302) to /auth/login"}},
		{"nothing listening", nothing, []string{"no answer from the panel at " + nothing, "connection refused",
			"Check panel_url, that the panel can be reached from this machine"}},
		{"TLS to a plain HTTP panel", tlsToPlain, []string{"no answer from the panel", "http: server gave HTTP response to HTTPS client",
			"panel_url starts with https://, but the server at that address answered in plain HTTP"}},
		{"certificate from an unknown authority", private.URL, []string{"no answer from the panel", "certificate signed by unknown authority",
			"The panel's TLS certificate was not accepted", "set ca_certificate"}},
		{"host name that does not exist", "https://panel.invalid", []string{"no answer from the panel at https://panel.invalid",
			"no such host", "The host name in panel_url (or PTERODACTYL_PANEL_URL) does not exist"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   minTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf("provider \"pterodactyl\" {\n  panel_url   = %q\n  api_key     = %q\n  max_retries = 0\n}\n", tc.url, p.key) +
						strings.ReplaceAll(appConfig(""), "SERVER", p.server.Identifier),
					ExpectError: errorRE(tc.want...),
				}},
			})
		})
	}
}
