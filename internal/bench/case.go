package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/localmirror"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// providerVersion is the version the bench provider is installed under in its local mirror.
const providerVersion = "0.0.1"

// cli runs one Terraform binary with a private CLI configuration that installs the bench
// provider from a local mirror, so nothing outside the working directory is read or changed.
type cli struct {
	bin string
	env []string
}

// setup builds the bench provider into a filesystem mirror and writes the CLI configuration.
func setup(ctx context.Context, root, work, terraform string) (*cli, error) {
	mirror := filepath.Join(work, "mirror")
	fmt.Println("building the provider with the panelbench tag")
	if err := localmirror.Build(ctx, root, mirror, providerVersion, "./internal/bench/provider", "-tags", "panelbench"); err != nil {
		return nil, fmt.Errorf("building the bench provider: %w", err)
	}
	rc := filepath.Join(work, "terraform.rc")
	if err := localmirror.WriteCLIConfig(rc, mirror); err != nil {
		return nil, err
	}
	return &cli{bin: terraform, env: localmirror.Env(rc)}, nil
}

// maxLogInError is how much of the end of a failed command's output its error carries: the
// output of an apply of 1,000 resources is long, and the error is at its end.
const maxLogInError = 16 << 10

// run runs terraform in dir with extra environment and returns how long it took. Output goes
// to a log file in dir, and is returned in the error when the command fails. onLine, when not
// nil, sees each line of the output as Terraform writes it.
func (c *cli) run(ctx context.Context, dir string, extra []string, onLine func(string), args ...string) (time.Duration, error) {
	logPath := filepath.Join(dir, "terraform-"+args[0]+".log")
	logFile, err := os.Create(logPath) //nolint:gosec // the bench's own temporary directory
	if err != nil {
		return 0, err
	}
	defer func() { _ = logFile.Close() }()
	cmd := exec.CommandContext(ctx, c.bin, append([]string{"-chdir=" + dir}, args...)...) //nolint:gosec // the Terraform named by -terraform
	cmd.Env = append(append([]string{}, c.env...), extra...)
	var out io.Writer = logFile
	if onLine != nil {
		out = &lineWatcher{w: logFile, on: onLine}
	}
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil {
		out, _ := os.ReadFile(logPath) //nolint:gosec // written just above
		if len(out) > maxLogInError {
			out = append([]byte("…\n"), out[len(out)-maxLogInError:]...)
		}
		return took, fmt.Errorf("terraform %s (log %s): %w:\n%s", strings.Join(args, " "), logPath, err, out)
	}
	return took, nil
}

// refresh is one measured `terraform plan -refresh-only`.
type refresh struct {
	lists, total, throttled int
	wall, providerCPU       time.Duration
	peakKiB                 int64
}

type caseResult struct {
	databases, servers, serversUsed int
	importWall                      time.Duration
	// noRefresh is `plan -refresh=false` on the same state: Terraform and the provider
	// without a single panel call, the floor for time and memory.
	noRefresh        refresh
	shared, unshared refresh
}

// countingPanel serves a paneltest panel on loopback and counts refused (429) answers, which
// the panel's own counters do not tell apart, and notes the rate limit its headers give.
type countingPanel struct {
	*paneltest.Panel
	url       string
	throttled atomic.Int64
	limit     atomic.Int64 // the per-minute limit the panel's X-RateLimit-Limit last gave
	srv       *http.Server
}

func startPanel(flavor string) (*countingPanel, error) {
	return startPanelWith(paneltest.Options{Flavor: paneltest.Flavor(flavor)})
}

func startPanelWith(opts paneltest.Options) (*countingPanel, error) {
	cp := &countingPanel{Panel: paneltest.New(opts)}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cp.url = "http://" + ln.Addr().String()
	inner := cp.Handler()
	cp.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		inner.ServeHTTP(sw, r)
		if sw.status == http.StatusTooManyRequests {
			cp.throttled.Add(1)
		}
		if n, err := strconv.ParseInt(w.Header().Get("X-RateLimit-Limit"), 10, 64); err == nil {
			cp.limit.Store(n)
		}
	})}
	go func() { _ = cp.srv.Serve(ln) }()
	return cp, nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// runCase seeds a panel with n databases over s servers, imports them, and measures the
// refresh with sharing on and off.
func runCase(ctx context.Context, tf *cli, dir, flavor string, n, s int) (caseResult, error) {
	res := caseResult{databases: n, servers: s, serversUsed: min(n, s)}
	p, err := startPanel(flavor)
	if err != nil {
		return res, err
	}
	defer func() { _ = p.srv.Close() }()
	var servers []paneltest.Server
	perms := map[string][]string{}
	for range s {
		srv := p.AddServer(paneltest.Server{})
		servers = append(servers, srv)
		perms[srv.Identifier] = []string{"*"}
	}
	// A key per run: rate limits are per key, so each run starts with a fresh window.
	newKey := func() string { return p.AddKey(paneltest.Key{Servers: perms}) }
	var dbs []seeded
	for i := range n {
		srv := servers[i%s].Identifier
		name := fmt.Sprintf("db%04d", i)
		dbs = append(dbs, seeded{key: name, server: srv, name: name, id: p.AddDatabase(srv, name, "%").ID})
	}
	if err := writeConfig(dir, dbs); err != nil {
		return res, err
	}
	env := func(key string, extra ...string) []string {
		return append([]string{"PTERODACTYL_PANEL_URL=" + p.url, "PTERODACTYL_API_KEY=" + key}, extra...)
	}
	if _, err := tf.run(ctx, dir, nil, nil, "init", "-input=false", "-no-color"); err != nil {
		return res, err
	}
	if res.importWall, err = tf.run(ctx, dir, env(newKey()), nil, "apply", "-input=false", "-no-color", "-auto-approve"); err != nil {
		return res, err
	}
	if err := os.Remove(filepath.Join(dir, "imports.tf")); err != nil {
		return res, err
	}
	rss := filepath.Join(dir, "rss-norefresh")
	p.ResetCounts()
	res.noRefresh.wall, err = tf.run(ctx, dir, env(newKey(), "PANELBENCH_RSS_FILE="+rss), nil,
		"plan", "-refresh=false", "-input=false", "-no-color", "-lock=false", "-detailed-exitcode")
	if err != nil {
		return res, fmt.Errorf("the state after the import is not clean: %w", err)
	}
	if res.noRefresh.peakKiB, res.noRefresh.providerCPU, err = providerUsage(rss); err != nil {
		return res, err
	}
	res.noRefresh.total = p.TotalRequests()
	for _, m := range []struct {
		sharing string
		out     *refresh
	}{{"on", &res.shared}, {"off", &res.unshared}} {
		rss := filepath.Join(dir, "rss-"+m.sharing)
		extra := env(newKey(), "PANELBENCH_SHARING="+m.sharing, "PANELBENCH_RSS_FILE="+rss)
		p.ResetCounts()
		p.throttled.Store(0)
		wall, err := tf.run(ctx, dir, extra, nil, "plan", "-refresh-only", "-input=false", "-no-color", "-lock=false")
		if err != nil {
			return res, fmt.Errorf("refresh with sharing %s: %w", m.sharing, err)
		}
		// -detailed-exitcode cannot tell: refresh-only plans exit 2 without changes
		// (hashicorp/terraform#36403). Terraform's own verdict is in the output.
		out, err := os.ReadFile(filepath.Join(dir, "terraform-plan.log")) //nolint:gosec // the bench's own file
		if err != nil || !strings.Contains(string(out), "No changes.") {
			return res, fmt.Errorf("the refresh with sharing %s found differences between state and panel:\n%s", m.sharing, out)
		}
		peak, cpu, err := providerUsage(rss)
		if err != nil {
			return res, err
		}
		*m.out = refresh{
			lists: p.Requests(paneltest.RouteListDatabases), total: p.TotalRequests(),
			throttled: int(p.throttled.Load()), wall: wall, providerCPU: cpu, peakKiB: peak,
		}
	}
	return res, nil
}

// providerUsage reads what the provider processes of one Terraform run reported: Terraform
// starts the provider more than once (schemas, then the plan). The peak is the largest of
// theirs, which is the plan's; the CPU time is their sum.
func providerUsage(path string) (peakKiB int64, cpu time.Duration, err error) {
	f, err := os.Open(path) //nolint:gosec // the bench's own file
	if err != nil {
		return 0, 0, fmt.Errorf("the provider reported no usage (%w); was it built from internal/bench/provider?", err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			continue
		}
		rss, err1 := strconv.ParseInt(fields[1], 10, 64)
		us, err2 := strconv.ParseInt(fields[2], 10, 64)
		if err1 == nil && err2 == nil {
			peakKiB = max(peakKiB, rss)
			cpu += time.Duration(us) * time.Microsecond
		}
	}
	return peakKiB, cpu, sc.Err()
}

type seeded struct {
	key, server, name, id string
}

// configHeader starts every configuration the bench writes: the provider, at the version the
// mirror holds, configured from the environment.
var configHeader = fmt.Sprintf(`terraform {
  required_providers {
    pterodactyl = {
      source  = "panelform/pterodactyl"
      version = %q
    }
  }
}

provider "pterodactyl" {}

`, providerVersion)

// writeConfig writes one for_each resource over every database, and an import block for each.
// Import blocks run on Terraform 1.5 and later; the imports are read through the provider,
// with sharing on, so setting up even 1,000 databases costs a few requests.
func writeConfig(dir string, dbs []seeded) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var m, imp strings.Builder
	m.WriteString(configHeader + `locals {
  databases = {
`)
	for _, d := range dbs {
		fmt.Fprintf(&m, "    %q = { server = %q, name = %q }\n", d.key, d.server, d.name)
		fmt.Fprintf(&imp, "import {\n  to = pterodactyl_server_database.db[%q]\n  id = \"%s/%s\"\n}\n\n", d.key, d.server, d.id)
	}
	m.WriteString(`  }
}

resource "pterodactyl_server_database" "db" {
  for_each  = local.databases
  server_id = each.value.server
  name      = each.value.name
}
`)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(m.String()), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "imports.tf"), []byte(imp.String()), 0o600)
}
