package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestSecretsStayOutOfLogsAndOutput runs the provider the way users do, as its own binary
// under the Terraform CLI with TF_LOG=TRACE, through create, rotate, refresh (after an
// out-of-band rotation), import, both data sources and destroy. The API key and every
// password the panel ever held must appear in no log line, no command output and no
// diagnostic.
func TestSecretsStayOutOfLogsAndOutput(t *testing.T) {
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		var err error
		if tf, err = exec.LookPath("terraform"); err != nil {
			t.Fatal("no terraform: set TF_ACC_TERRAFORM_PATH (make test does)")
		}
	}
	work := t.TempDir()
	mirror := filepath.Join(work, "mirror")
	bin := filepath.Join(mirror, "registry.terraform.io/panelform/pterodactyl/0.0.1", runtime.GOOS+"_"+runtime.GOARCH,
		"terraform-provider-pterodactyl_v0.0.1")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".") //nolint:gosec // a path in the test's own temp dir
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	rc := filepath.Join(work, "terraform.rc")
	writeFile(t, rc, `provider_installation {
  filesystem_mirror {
    path    = "`+mirror+`"
    include = ["registry.terraform.io/panelform/pterodactyl"]
  }
  direct {
    exclude = ["registry.terraform.io/panelform/pterodactyl"]
  }
}
`)

	for _, flavor := range flavors {
		t.Run(string(flavor), func(t *testing.T) {
			p := startPanel(t, flavor)
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "main.tf"), strings.ReplaceAll(secretsConfig, "SERVER", p.server.Identifier))
			secrets := map[string]bool{p.key: true}
			collect := func() {
				for _, db := range p.Databases(p.server.Identifier) {
					secrets[db.Password] = true
				}
			}
			var seen strings.Builder
			run := func(args ...string) {
				t.Helper()
				logFile := filepath.Join(dir, "trace.log")
				cmd := exec.CommandContext(t.Context(), tf, args...) //nolint:gosec // the terraform the suite runs with
				cmd.Dir = dir
				cmd.Env = append(os.Environ(),
					"TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
					"TF_LOG=TRACE", "TF_LOG_PATH="+logFile,
					EnvPanelURL+"="+p.URL(), EnvAPIKey+"="+p.key,
				)
				out, err := cmd.CombinedOutput()
				seen.Write(out)
				if err != nil {
					t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, redactAll(string(out), secrets))
				}
				collect()
			}

			run("init", "-input=false", "-no-color")
			run("apply", "-input=false", "-auto-approve", "-no-color")
			run("apply", "-input=false", "-auto-approve", "-no-color", "-var", "rotation=2")
			db := p.Databases(p.server.Identifier)[0]
			p.RotatePassword(p.server.Identifier, db.ID)
			collect()
			run("apply", "-refresh-only", "-input=false", "-auto-approve", "-no-color", "-var", "rotation=2")
			run("state", "rm", "-no-color", "pterodactyl_server_database.game")
			run("import", "-input=false", "-no-color", "-var", "rotation=2", "pterodactyl_server_database.game", p.server.Identifier+"/game")
			run("plan", "-input=false", "-no-color", "-var", "rotation=2")
			run("destroy", "-input=false", "-auto-approve", "-no-color", "-var", "rotation=2")

			logs, err := os.ReadFile(filepath.Join(dir, "trace.log")) //nolint:gosec // the test's own temp dir
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(logs), "@module=pterodactyl.panel") || len(secrets) < 4 {
				t.Fatalf("the trace log has no panel lines, or too few secrets were seen (%d): the test would prove nothing", len(secrets))
			}
			for secret := range secrets {
				if strings.Contains(string(logs), secret) {
					t.Errorf("a secret (%d characters) is in the TRACE log", len(secret))
				}
				if strings.Contains(seen.String(), secret) {
					t.Errorf("a secret (%d characters) is in Terraform's output", len(secret))
				}
			}
		})
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
		s = strings.ReplaceAll(s, secret, "[secret]")
	}
	return s
}
