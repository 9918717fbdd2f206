package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/panelform/terraform-provider-pterodactyl/internal/localmirror"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// The CLI harness runs the provider the way users do: as its own binary, which the CLI the
// tests use (TF_ACC_TERRAFORM_PATH, else terraform on PATH) installs from a filesystem
// mirror. It is for what terraform-plugin-testing cannot drive: terraform query
// -generate-config-out, terraform apply -invoke, terraform state rm, and the TRACE log of a
// provider in its own process.

// cliProviderVersion is the version the harness installs the provider under.
const cliProviderVersion = "0.0.1"

// cliTerraformBlock requires and configures the provider as users do; the panel URL and the
// API key come from the environment the harness sets.
const cliTerraformBlock = `terraform {
  required_providers {
    pterodactyl = { source = "panelform/pterodactyl" }
  }
}
provider "pterodactyl" {}
`

// cliTempPrefix names the directory the provider is built into, followed by the test
// process's id so that a later run can remove what an earlier one left.
const cliTempPrefix = "pterodactyl-cli-"

var cliInstall struct {
	once   sync.Once
	config string // the CLI configuration file
	err    error
}

// cliConfigFile builds the provider once per test binary into a filesystem mirror and
// returns a CLI configuration (TF_CLI_CONFIG_FILE) that installs it from there.
func cliConfigFile(t *testing.T) string {
	t.Helper()
	cliInstall.once.Do(func() { cliInstall.config, cliInstall.err = installCLIProvider() })
	if cliInstall.err != nil {
		t.Fatal(cliInstall.err)
	}
	return cliInstall.config
}

func installCLIProvider() (string, error) {
	removeStaleCLIDirs()
	root, err := os.MkdirTemp("", cliTempPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", err
	}
	mirror := filepath.Join(root, "mirror")
	if err := localmirror.Build(context.Background(), filepath.Join("..", ".."), mirror, cliProviderVersion, "."); err != nil {
		return "", err
	}
	config := filepath.Join(root, "cli.tfrc")
	return config, localmirror.WriteCLIConfig(config, mirror)
}

// removeStaleCLIDirs removes the provider builds of test processes that have exited: without
// a TestMain nothing removes a build when its process ends.
func removeStaleCLIDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), cliTempPrefix+"*"))
	for _, dir := range dirs {
		pid, _, ok := strings.Cut(strings.TrimPrefix(filepath.Base(dir), cliTempPrefix), "-")
		if n, err := strconv.Atoi(pid); ok && err == nil && n != os.Getpid() && !processRunning(n) {
			_ = os.RemoveAll(dir)
		}
	}
}

func processRunning(pid int) bool {
	proc, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = proc.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// cliBinary is the CLI the tests run, as for terraform-plugin-testing. A missing CLI fails the
// test rather than skipping it.
func cliBinary(t *testing.T) string {
	t.Helper()
	if tf := os.Getenv("TF_ACC_TERRAFORM_PATH"); tf != "" {
		return tf
	}
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("no Terraform CLI: set TF_ACC_TERRAFORM_PATH (make test does)")
	}
	return tf
}

var cliVersionOf struct {
	once    sync.Once
	version string
	err     error
}

// cliVersion is the CLI's version as it reports it (OpenTofu reports its own).
func cliVersion(t *testing.T) string {
	t.Helper()
	tf := cliBinary(t)
	cliVersionOf.once.Do(func() {
		cmd := exec.CommandContext(context.Background(), tf, "version", "-json") //nolint:gosec // the CLI the suite runs with
		// No CLI configuration: OpenTofu prints its warnings about one on stdout.
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="+os.DevNull)
		out, err := cmd.Output()
		if err != nil {
			cliVersionOf.err = fmt.Errorf("%s version -json: %w", tf, err)
			return
		}
		var v struct {
			Version string `json:"terraform_version"`
		}
		if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
			cliVersionOf.err = fmt.Errorf("%s version -json printed no version: %q", tf, out)
			return
		}
		cliVersionOf.version = v.Version
	})
	if cliVersionOf.err != nil {
		t.Fatal(cliVersionOf.err)
	}
	return cliVersionOf.version
}

// skipUnlessCLI applies a TestCase's version checks to a harness test, which runs the CLI
// itself: it skips with the check's reason, as terraform-plugin-testing would.
func skipUnlessCLI(t *testing.T, checks []tfversion.TerraformVersionCheck) {
	t.Helper()
	v, err := version.NewVersion(cliVersion(t))
	if err != nil {
		t.Fatalf("CLI version: %v", err)
	}
	for _, c := range checks {
		var resp tfversion.CheckTerraformVersionResponse
		c.CheckTerraformVersion(t.Context(), tfversion.CheckTerraformVersionRequest{TerraformVersion: v}, &resp)
		if resp.Error != nil {
			t.Fatal(resp.Error)
		}
		if resp.Skip != "" {
			t.Skip(resp.Skip)
		}
	}
}

// panelSecrets are the API key and every password the test's server has held: no output,
// log, generated file or query result may contain them, nor a state file outside the
// password that store_password keeps.
type panelSecrets struct {
	p    *testPanel
	mu   sync.Mutex
	seen map[string]bool
}

func newPanelSecrets(p *testPanel) *panelSecrets {
	s := &panelSecrets{p: p, seen: map[string]bool{p.key: true}}
	s.collect()
	return s
}

// collect adds the passwords the panel holds now; call it after anything that may create or
// rotate.
func (s *panelSecrets) collect() {
	dbs := s.p.Databases(s.p.server.Identifier)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, db := range dbs {
		s.seen[db.Password] = true
	}
}

func (s *panelSecrets) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

// in describes the secrets in text without printing them; "" when there are none.
func (s *panelSecrets) in(text string) string {
	s.collect()
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []string
	for secret := range s.seen {
		// A password also shows percent-encoded, as in connection_string.
		if strings.Contains(text, secret) || strings.Contains(text, escapeURIComponent(secret)) {
			what := "a password"
			if secret == s.p.key {
				what = "the API key"
			}
			found = append(found, fmt.Sprintf("%s (%d characters)", what, len(secret)))
		}
	}
	return strings.Join(found, ", ")
}

// check reports any secret in text, which is named by where.
func (s *panelSecrets) check(t *testing.T, where, text string) {
	t.Helper()
	if found := s.in(text); found != "" {
		t.Errorf("%s holds %s", where, found)
	}
}

// redact keeps a failing command's output readable without printing the secrets.
func (s *panelSecrets) redact(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return redactAll(text, s.seen)
}

// cliWorkdir is a working directory in which a test runs the CLI against one panel.
// Everything the CLI prints is kept, for checkOutput.
type cliWorkdir struct {
	t       *testing.T
	cli     string
	dir     string
	env     []string
	secrets *panelSecrets
	printed strings.Builder
}

// newCLIWorkdir makes an empty working directory whose CLI runs find the provider in the
// mirror and the panel in PTERODACTYL_PANEL_URL and PTERODACTYL_API_KEY; env is added last,
// so it overrides.
func newCLIWorkdir(t *testing.T, p *testPanel, secrets *panelSecrets, env ...string) *cliWorkdir {
	t.Helper()
	w := &cliWorkdir{t: t, cli: cliBinary(t), dir: t.TempDir(), secrets: secrets}
	w.env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfigFile(t), "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		EnvPanelURL+"="+p.URL(), EnvAPIKey+"="+p.key)
	w.env = append(w.env, env...)
	return w
}

// path is a file in the working directory.
func (w *cliWorkdir) path(name string) string { return filepath.Join(w.dir, name) }

// write puts a file in the working directory.
func (w *cliWorkdir) write(name, content string) {
	w.t.Helper()
	writeFile(w.t, w.path(name), content)
}

// read returns a file of the working directory.
func (w *cliWorkdir) read(name string) string {
	w.t.Helper()
	b, err := os.ReadFile(w.path(name))
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// run runs the CLI with args and returns what it printed. Unless it exits 0 the test ends,
// with the output, its secrets redacted.
func (w *cliWorkdir) run(args ...string) string {
	w.t.Helper()
	out, code := w.runCode(args...)
	if code != 0 {
		w.t.Fatalf("%s %s: exit status %d\n%s", filepath.Base(w.cli), strings.Join(args, " "), code, w.secrets.redact(out))
	}
	return out
}

// runCode is run for a command whose exit status means something, such as plan
// -detailed-exitcode: it returns the status instead of failing on it.
func (w *cliWorkdir) runCode(args ...string) (string, int) {
	w.t.Helper()
	cmd := exec.CommandContext(w.t.Context(), w.cli, args...) //nolint:gosec // the CLI the suite runs with
	cmd.Dir, cmd.Env = w.dir, w.env
	out, err := cmd.CombinedOutput()
	w.printed.Write(out)
	w.secrets.collect()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	w.t.Fatalf("%s %s: %v", filepath.Base(w.cli), strings.Join(args, " "), err)
	return "", -1
}

// wantRequests fails the test unless the panel got want requests on each route.
func (p *testPanel) wantRequests(t *testing.T, want map[paneltest.Route]int) {
	t.Helper()
	if err := p.expect(want)(nil); err != nil {
		t.Error(err)
	}
}

// planIsEmpty fails the test unless a plan shows no change at all.
func (w *cliWorkdir) planIsEmpty() {
	w.t.Helper()
	out, code := w.runCode("plan", "-input=false", "-no-color", "-detailed-exitcode")
	if code != 0 {
		w.t.Fatalf("plan -detailed-exitcode exited %d, want 0 (no changes):\n%s", code, w.secrets.redact(out))
	}
}

// checkOutput reports any secret in what the CLI printed so far.
func (w *cliWorkdir) checkOutput() {
	w.t.Helper()
	w.secrets.check(w.t, "the CLI's output", w.printed.String())
}

// cliInstance is one resource instance in a state file.
type cliInstance struct {
	Attributes map[string]any `json:"attributes"`
	Identity   map[string]any `json:"identity"`
	Deposed    string         `json:"deposed"` // the deposed key of an object left deposed; "" for the current one
}

// cliStateFile is the part of a state file the tests read.
type cliStateFile struct {
	Resources []cliStateResource `json:"resources"`
}

type cliStateResource struct {
	Module    string        `json:"module"` // "" in the root module
	Mode      string        `json:"mode"`
	Type      string        `json:"type"`
	Name      string        `json:"name"`
	Instances []cliInstance `json:"instances"`
}

// address is the resource's address, with its module's.
func (r cliStateResource) address() string {
	if r.Module == "" {
		return r.Type + "." + r.Name
	}
	return r.Module + "." + r.Type + "." + r.Name
}

// state reads the working directory's state file.
func (w *cliWorkdir) state() cliStateFile {
	w.t.Helper()
	var s cliStateFile
	if err := json.Unmarshal([]byte(w.read("terraform.tfstate")), &s); err != nil {
		w.t.Fatalf("terraform.tfstate: %v", err)
	}
	return s
}

// managed lists the addresses of the managed resource instances in state.
func (s cliStateFile) managed() []string {
	var out []string
	for _, r := range s.Resources {
		if r.Mode == "managed" {
			for range r.Instances {
				out = append(out, r.address())
			}
		}
	}
	return out
}

// instance is the single instance of the managed resource at address; nil when absent.
func (s cliStateFile) instance(address string) *cliInstance {
	for _, r := range s.Resources {
		if r.Mode == "managed" && r.address() == address && len(r.Instances) == 1 {
			return &r.Instances[0]
		}
	}
	return nil
}

// mustInstance is instance, failing the test when the instance is absent.
func (w *cliWorkdir) mustInstance(s cliStateFile, address string) *cliInstance {
	w.t.Helper()
	inst := s.instance(address)
	if inst == nil {
		w.t.Fatalf("%s is not in state; state has %v", address, s.managed())
	}
	return inst
}

// checkStateFiles reports a secret anywhere in the state files (and their backups) but in
// the password and connection_string of a pterodactyl_server_database with store_password on. Private data is
// decoded first, since base64 would hide a secret from a plain search.
func (w *cliWorkdir) checkStateFiles() {
	w.t.Helper()
	files, err := filepath.Glob(w.path("terraform.tfstate*"))
	if err != nil || len(files) == 0 {
		w.t.Fatalf("no state file in %s (%v)", w.dir, err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file) //nolint:gosec // the test's own temp dir
		if err != nil {
			w.t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			w.t.Fatalf("%s: %v", file, err)
		}
		resources, _ := doc["resources"].([]any)
		for _, r := range resources {
			res, _ := r.(map[string]any)
			instances, _ := res["instances"].([]any)
			for _, i := range instances {
				inst, _ := i.(map[string]any)
				attrs, _ := inst["attributes"].(map[string]any)
				if res["type"] == databaseType && attrs["store_password"] == true {
					delete(attrs, "password")
					delete(attrs, "connection_string")
				}
				if private, ok := inst["private"].(string); ok {
					decoded, err := base64.StdEncoding.DecodeString(private)
					if err != nil {
						w.t.Fatalf("%s: private data: %v", file, err)
					}
					inst["private"] = string(decoded)
				}
			}
		}
		rest, err := json.Marshal(doc)
		if err != nil {
			w.t.Fatal(err)
		}
		w.secrets.check(w.t, filepath.Base(file)+" (outside the stored passwords)", string(rest))
	}
}

// The state checks below are for terraform-plugin-testing steps. None prints a password.

// noSecretsOutsidePasswords is checkStateFiles for a TestStep's state: no secret anywhere
// but in the password and connection_string of a pterodactyl_server_database that stores it.
func noSecretsOutsidePasswords(secrets *panelSecrets) statecheck.StateCheck {
	return stateCheckFunc(func(req statecheck.CheckStateRequest) error {
		if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
			return errors.New("no state")
		}
		var rest []any
		for _, r := range req.State.Values.RootModule.Resources {
			attrs := map[string]any{}
			for k, v := range r.AttributeValues {
				attrs[k] = v
			}
			if r.Type == databaseType && attrs["store_password"] == true {
				delete(attrs, "password")
				delete(attrs, "connection_string")
			}
			rest = append(rest, r.Address, attrs, r.IdentityValues)
		}
		rest = append(rest, req.State.Values.Outputs)
		b, err := json.Marshal(rest)
		if err != nil {
			return err
		}
		if found := secrets.in(string(b)); found != "" {
			return fmt.Errorf("state holds %s outside the stored passwords", found)
		}
		return nil
	})
}

// expectPanelPassword checks that the database at address has in state the password the
// panel holds for it now.
func expectPanelPassword(p *testPanel, address string) statecheck.StateCheck {
	return comparePanelPassword(p, address, true)
}

// expectPanelPasswordChanged checks that the panel holds a password for the database at
// address other than the one in state: it was rotated since state last saw it.
func expectPanelPasswordChanged(p *testPanel, address string) statecheck.StateCheck {
	return comparePanelPassword(p, address, false)
}

func comparePanelPassword(p *testPanel, address string, same bool) statecheck.StateCheck {
	return stateCheckFunc(func(req statecheck.CheckStateRequest) error {
		if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
			return errors.New("no state")
		}
		for _, r := range req.State.Values.RootModule.Resources {
			if r.Address != address {
				continue
			}
			for _, db := range p.Databases(p.server.Identifier) {
				if db.ID != r.AttributeValues["id"] {
					continue
				}
				switch inState := r.AttributeValues["password"] == db.Password; {
				case same && !inState:
					return fmt.Errorf("%s: the password in state is not the one the panel holds now", address)
				case !same && inState:
					return fmt.Errorf("%s: the panel still holds the password that is in state", address)
				}
				return nil
			}
			return fmt.Errorf("%s: id %v is not on the panel", address, r.AttributeValues["id"])
		}
		return fmt.Errorf("%s is not in state", address)
	})
}

// stateCheckFunc makes a function a statecheck.StateCheck.
type stateCheckFunc func(statecheck.CheckStateRequest) error

func (f stateCheckFunc) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(req)
}

// secretsSame and secretsDiffer are compare.ValuesSame and compare.ValuesDiffer for
// statecheck.CompareValue on a password: their errors never print the values.
type (
	secretsSame   struct{}
	secretsDiffer struct{}
)

func (secretsSame) CompareValues(values ...any) error {
	for i := 1; i < len(values); i++ {
		if !reflect.DeepEqual(values[i-1], values[i]) {
			return fmt.Errorf("expected the secret values to be the same, but values %d and %d differ (not printed)", i-1, i)
		}
	}
	return nil
}

func (secretsDiffer) CompareValues(values ...any) error {
	for i := 1; i < len(values); i++ {
		if reflect.DeepEqual(values[i-1], values[i]) {
			return fmt.Errorf("expected the secret values to differ, but values %d and %d are the same (not printed)", i-1, i)
		}
	}
	return nil
}
