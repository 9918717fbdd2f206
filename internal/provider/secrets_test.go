package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// TestSecretsStayOutOfLogsAndOutput runs the provider the way users do, as its own binary
// under the CLI (Terraform or OpenTofu, through the CLI harness) with TF_LOG=TRACE, through
// create, rotate, refresh (after an out-of-band rotation), import, both data sources and
// destroy. The API key and every password the panel ever held must appear in no log line,
// no command output and no diagnostic.
func TestSecretsStayOutOfLogsAndOutput(t *testing.T) {
	for _, flavor := range flavors {
		for _, kind := range []string{"client key", "application key"} {
			t.Run(string(flavor)+"/"+kind, func(t *testing.T) {
				p := startPanel(t, flavor)
				secrets := newPanelSecrets(p)
				logFile := filepath.Join(t.TempDir(), "trace.log")
				env := []string{"TF_LOG=TRACE", "TF_LOG_PATH=" + logFile}
				config := strings.ReplaceAll(secretsConfig, "SERVER", p.server.Identifier)
				if kind == "application key" {
					// Admin mode: the same paths through the application API, on a chosen host.
					key := p.appKey()
					secrets.seen[key] = true
					env = append(env, EnvAPIKey+"="+key) // the last value of a variable wins
					config = strings.Replace(config, `name                = "game"`, "name                = \"game\"\n  database_host_id    = \"1\"", 1)
					if !strings.Contains(config, "database_host_id") {
						t.Fatal("the configuration did not take database_host_id")
					}
				}
				w := newCLIWorkdir(t, p, secrets, env...)
				w.write("main.tf", config)

				w.run("init", "-input=false", "-no-color")
				w.run("apply", "-input=false", "-auto-approve", "-no-color")
				w.run("apply", "-input=false", "-auto-approve", "-no-color", "-var", "rotation=2")
				db := p.Databases(p.server.Identifier)[0]
				p.RotatePassword(p.server.Identifier, db.ID)
				secrets.collect()
				w.run("apply", "-refresh-only", "-input=false", "-auto-approve", "-no-color", "-var", "rotation=2")
				w.run("state", "rm", "-no-color", "pterodactyl_server_database.game")
				w.run("import", "-input=false", "-no-color", "-var", "rotation=2", "pterodactyl_server_database.game", p.server.Identifier+"/game")
				w.run("plan", "-input=false", "-no-color", "-var", "rotation=2")
				w.run("destroy", "-input=false", "-auto-approve", "-no-color", "-var", "rotation=2")

				logs, err := os.ReadFile(logFile) //nolint:gosec // the test's own temp dir
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(logs), "@module=pterodactyl.panel") || secrets.count() < 4 {
					t.Fatalf("the trace log has no panel lines, or too few secrets were seen (%d): the test would prove nothing", secrets.count())
				}
				secrets.check(t, "the TRACE log", string(logs))
				w.checkOutput()
				if app := p.Requests(paneltest.RouteAppCreateDatabase); (kind == "application key") != (app == 1) {
					t.Fatalf("%d creates through the application API with a %s", app, kind)
				}
			})
		}
	}
}

// secretsConfig exercises every code path that touches a password.
//
//nolint:gosec // configuration, no credential in it
const secretsConfig = `
terraform {
  required_providers {
    pterodactyl = { source = "panelform/pterodactyl" }
  }
}
provider "pterodactyl" {}
variable "rotation" {
  type    = string
  default = "1"
}
resource "pterodactyl_server_database" "game" {
  server_id           = "SERVER"
  name                = "game"
  rotate_when_changed = { v = var.rotation }
}
data "pterodactyl_server_databases" "all" {
  server_id         = "SERVER"
  include_passwords = true
  depends_on        = [pterodactyl_server_database.game]
}
data "pterodactyl_server_database" "one" {
  server_id  = "SERVER"
  name       = "game"
  depends_on = [pterodactyl_server_database.game]
}
output "password" {
  value     = pterodactyl_server_database.game.password
  sensitive = true
}
output "count" {
  value = length(data.pterodactyl_server_databases.all.databases)
}
`

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// redactAll keeps a failing command's output readable without printing the secrets.
func redactAll(s string, secrets map[string]bool) string {
	for secret := range secrets {
		s = strings.ReplaceAll(strings.ReplaceAll(s, secret, "[secret]"), escapeURIComponent(secret), "[secret]")
	}
	return s
}
