package release

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// installVersion is what the test installs: a version no registry has, so an init that
// succeeds can only have found the local build.
const installVersion = "0.0.1-installtest"

// TestInstallLocal runs `make install-local` into a fresh HOME, then, as a user would with no
// CLI configuration at all, a plain init, apply and destroy of one database with each CLI in
// INSTALL_LOCAL_CLIS (a PATH-style list; `make test-install-local` sets it to Terraform and
// OpenTofu). The panel is the in-memory one that cmd/localpanel serves, started in the test,
// so the database is checked on the panel itself.
func TestInstallLocal(t *testing.T) {
	clis := os.Getenv("INSTALL_LOCAL_CLIS")
	if clis == "" {
		t.Skip("INSTALL_LOCAL_CLIS is not set: `make test-install-local` runs this test with Terraform and OpenTofu")
	}
	root := repoRoot(t)
	goEnv := goCacheEnv(t)
	for _, cli := range filepath.SplitList(clis) {
		name, host := cliVersion(t, cli)
		t.Run(name, func(t *testing.T) {
			installAndApply(t, root, goEnv, cli, host)
		})
	}
}

// cliVersion runs `cli version` and returns its first line's name and version
// (Terraform_v1.11.4) and the registry host that `source = "panelform/pterodactyl"` means to it.
func cliVersion(t *testing.T, cli string) (name, host string) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), cli, "version").Output() //nolint:gosec // the CLI under test
	if err != nil {
		t.Fatalf("%s version: %v", cli, err)
	}
	// OpenTofu may print warnings about its CLI configuration before the version line.
	m := regexp.MustCompile(`(?m)^(Terraform|OpenTofu) (v\S+)$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("%s version printed no Terraform or OpenTofu version:\n%s", cli, out)
	}
	host = "registry.terraform.io"
	if string(m[1]) == "OpenTofu" {
		host = "registry.opentofu.org"
	}
	return string(m[1]) + "_" + string(m[2]), host
}

// goCacheEnv keeps the Go caches where they are when HOME moves, so that make install-local
// builds from the warm cache and without the network.
func goCacheEnv(t *testing.T) []string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("go env printed %q", out)
	}
	return []string{"GOCACHE=" + lines[0], "GOMODCACHE=" + lines[1], "GOPATH=" + lines[2]}
}

// freshEnv is this process's environment with HOME at home, and without anything that would
// point a CLI at another configuration, plugin directory or cache.
func freshEnv(home string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "TF_CLI_CONFIG_FILE", k == "TERRAFORM_CONFIG", k == "TOFU_CLI_CONFIG_FILE",
			k == "TF_PLUGIN_CACHE_DIR", k == "TF_DATA_DIR", k == "TF_LOG", k == "TF_LOG_PATH",
			strings.HasPrefix(k, "TF_CLI_ARGS"), strings.HasPrefix(k, "XDG_"), strings.HasPrefix(k, "PTERODACTYL_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, append([]string{"HOME=" + home, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"}, extra...)...)
}

func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...) //nolint:gosec // make and the CLI under test
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

func installAndApply(t *testing.T, root string, goEnv []string, cli, host string) {
	home := t.TempDir()
	env := freshEnv(home, goEnv...)

	run(t, root, env, "make", "--no-print-directory", "install-local", "VERSION="+installVersion, "HOME="+home)
	platform := runtime.GOOS + "_" + runtime.GOARCH
	for _, h := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		bin := filepath.Join(home, ".terraform.d", "plugins", h, "panelform", "pterodactyl", installVersion, platform, "terraform-provider-pterodactyl_v"+installVersion)
		if fi, err := os.Stat(bin); err != nil || fi.Mode().Perm()&0o100 == 0 {
			t.Fatalf("make install-local did not install an executable %s: %v", bin, err)
		}
	}

	panel := paneltest.New(paneltest.Options{})
	server := panel.AddServer(paneltest.Server{Identifier: "1a7ce997", InternalID: 12})
	key := panel.AddKey(paneltest.Key{Servers: map[string][]string{server.Identifier: {"*"}}})
	srv := httptest.NewServer(panel.Handler())
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	config := `terraform {
  required_providers {
    pterodactyl = {
      source  = "panelform/pterodactyl"
      version = "` + installVersion + `"
    }
  }
}

provider "pterodactyl" {}

resource "pterodactyl_server_database" "app" {
  server_id = "` + server.Identifier + `"
  name      = "installed"
}

output "database_name" {
  value = pterodactyl_server_database.app.database_name
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	tfEnv := append(env, "PTERODACTYL_PANEL_URL="+srv.URL, "PTERODACTYL_API_KEY="+key)

	out := run(t, dir, tfEnv, cli, "init", "-input=false", "-no-color")
	if want := "Installed panelform/pterodactyl v" + installVersion + " (unauthenticated)"; !strings.Contains(out, want) {
		t.Errorf("init did not say %q, as it does for a provider from a local directory:\n%s", want, out)
	}
	lock := string(readFile(t, filepath.Join(dir, ".terraform.lock.hcl")))
	if want := `provider "` + host + `/panelform/pterodactyl" {` + "\n" + `  version     = "` + installVersion + `"`; !strings.Contains(lock, want) {
		t.Errorf(".terraform.lock.hcl does not record %s/panelform/pterodactyl %s:\n%s", host, installVersion, lock)
	}

	run(t, dir, tfEnv, cli, "apply", "-input=false", "-auto-approve", "-no-color")
	if got := strings.TrimSpace(run(t, dir, tfEnv, cli, "output", "-raw", "database_name")); got != "s12_installed" {
		t.Errorf("output database_name = %q; want s12_installed", got)
	}
	if got := databaseNames(panel, server.Identifier); got != "s12_installed" {
		t.Fatalf("after apply the panel has databases [%s]; want the one database s12_installed", got)
	}

	run(t, dir, tfEnv, cli, "destroy", "-input=false", "-auto-approve", "-no-color")
	if got := databaseNames(panel, server.Identifier); got != "" {
		t.Errorf("after destroy the panel still has databases [%s]", got)
	}
}

func databaseNames(p *paneltest.Panel, server string) string {
	var names []string
	for _, d := range p.Databases(server) {
		names = append(names, d.Name)
	}
	return strings.Join(names, " ")
}
