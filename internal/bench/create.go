package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// createCase is N databases to create, round-robin over S servers.
type createCase struct {
	databases, servers int
}

func (c createCase) String() string { return fmt.Sprintf("%dx%d", c.databases, c.servers) }

// parseCreateCases reads "40x1,1000x10"; an empty string is no cases.
func parseCreateCases(s string) ([]createCase, error) {
	var out []createCase
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		a, b, ok := strings.Cut(f, "x")
		n, err1 := strconv.Atoi(a)
		srv, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || n <= 0 || srv <= 0 {
			return nil, fmt.Errorf("%q is not NxS, N databases over S servers (such as 40x1)", f)
		}
		out = append(out, createCase{databases: n, servers: srv})
	}
	return out, nil
}

// createRun is one measured `terraform apply -auto-approve` that creates every database of a
// case from empty state, on a panel of its own.
type createRun struct {
	requests
	// plan is what the panel had answered when Terraform printed its plan ("Plan: N to
	// add"): the plan's provider process has made all of its requests by then, and the
	// apply's has not started. The rest are the apply's.
	plan    requests
	planned bool // Terraform printed its plan, and plan was taken then
	wall    time.Duration
	limit   int // requests a minute per key, as the panel's X-RateLimit-Limit gave it
}

// requests are the panel's request counts, by route; refused ones (429) are in them too.
type requests struct {
	getServer, lists, creates, other, total, throttled int
}

func (p *countingPanel) requests() requests {
	r := requests{
		getServer: p.Requests(paneltest.RouteGetServer),
		lists:     p.Requests(paneltest.RouteListDatabases),
		creates:   p.Requests(paneltest.RouteCreateDatabase),
		total:     p.TotalRequests(),
		throttled: int(p.throttled.Load()),
	}
	r.other = r.total - r.getServer - r.lists - r.creates
	return r
}

func (r requests) minus(o requests) requests {
	return requests{
		getServer: r.getServer - o.getServer, lists: r.lists - o.lists, creates: r.creates - o.creates,
		other: r.other - o.other, total: r.total - o.total, throttled: r.throttled - o.throttled,
	}
}

// apply is what the apply's provider process asked.
func (r createRun) apply() requests { return r.minus(r.plan) }

func (r createRun) perDatabase(n int) float64 { return float64(r.total) / float64(n) }

type createResult struct {
	createCase
	shared, unshared createRun
}

// createOptions are the settings shared by every create run.
type createOptions struct {
	flavor      string
	parallelism int    // terraform apply -parallelism
	timeout     string // timeouts.create in the generated configuration; "" keeps the default
}

// runCreateCase measures the creates of one case with sharing on, then off, each on a fresh
// panel with fresh servers, a fresh API key and empty state.
func runCreateCase(ctx context.Context, tf *cli, dir string, o createOptions, c createCase) (createResult, error) {
	res := createResult{createCase: c}
	for _, m := range []struct {
		sharing string
		out     *createRun
	}{{"on", &res.shared}, {"off", &res.unshared}} {
		fmt.Printf("  sharing %s: ", m.sharing)
		r, err := runCreate(ctx, tf, filepath.Join(dir, "sharing-"+m.sharing), o, c, m.sharing)
		if err != nil {
			fmt.Println("failed")
			return res, fmt.Errorf("creating with sharing %s: %w", m.sharing, err)
		}
		a := r.apply()
		fmt.Printf("%d requests, %.2f per database, %d refused, %s; plan: %d server reads, %d lists; "+
			"apply: %d server reads, %d lists, %d creates\n", r.total, r.perDatabase(c.databases), r.throttled,
			r.wall.Round(time.Millisecond), r.plan.getServer, r.plan.lists, a.getServer, a.lists, a.creates)
		*m.out = r
	}
	return res, nil
}

func runCreate(ctx context.Context, tf *cli, dir string, o createOptions, c createCase, sharing string) (createRun, error) {
	var run createRun
	p, err := startPanel(o.flavor)
	if err != nil {
		return run, err
	}
	defer func() { _ = p.srv.Close() }()
	servers := make([]paneltest.Server, 0, c.servers)
	perms := map[string][]string{}
	for range c.servers {
		srv := p.AddServer(paneltest.Server{})
		servers = append(servers, srv)
		perms[srv.Identifier] = []string{"*"}
	}
	if err := writeCreateConfig(dir, servers, c.databases, o.timeout); err != nil {
		return run, err
	}
	if _, err := tf.run(ctx, dir, nil, nil, "init", "-input=false", "-no-color"); err != nil {
		return run, err
	}
	// A key of its own: rate limits are per key, so the run starts with a fresh window.
	env := []string{
		"PTERODACTYL_PANEL_URL=" + p.url,
		"PTERODACTYL_API_KEY=" + p.AddKey(paneltest.Key{Servers: perms}),
		"PANELBENCH_SHARING=" + sharing,
	}
	p.ResetCounts()
	p.throttled.Store(0)
	var planOnce sync.Once
	planned := func(line string) {
		if strings.HasPrefix(line, "Plan: ") {
			planOnce.Do(func() { run.plan, run.planned = p.requests(), true })
		}
	}
	args := []string{"apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=" + strconv.Itoa(o.parallelism)}
	if run.wall, err = tf.run(ctx, dir, env, planned, args...); err != nil {
		return run, err
	}
	run.requests = p.requests()
	run.limit = int(p.limit.Load())
	if !run.planned {
		return run, fmt.Errorf("terraform apply printed no plan (no line starting \"Plan: \"); see %s", filepath.Join(dir, "terraform-apply.log"))
	}
	return run, checkCreated(p, servers, c.databases)
}

// checkCreated checks that the panel holds exactly the n databases the configuration asks for:
// database i, named db<i>, on server i mod S.
func checkCreated(p *countingPanel, servers []paneltest.Server, n int) error {
	want := map[string]bool{}
	for i := range n {
		srv := servers[i%len(servers)]
		want[srv.Identifier+"/"+fmt.Sprintf("s%d_db%04d", srv.InternalID, i)] = true
	}
	held := 0
	var problems []string
	for _, srv := range servers {
		for _, d := range p.Databases(srv.Identifier) {
			held++
			if !want[srv.Identifier+"/"+d.Name] {
				problems = append(problems, fmt.Sprintf("%s on server %s", d.Name, srv.Identifier))
			}
		}
	}
	if held != n || len(problems) > 0 {
		return fmt.Errorf("the panel holds %d databases, want %d; unexpected: %s", held, n, strings.Join(problems, ", "))
	}
	return nil
}

// writeCreateConfig writes one count-based resource of n databases, round-robin over the
// servers, as a user would write it.
func writeCreateConfig(dir string, servers []paneltest.Server, n int, timeout string) error {
	return writeCreateConfigOn(dir, servers, n, timeout, "")
}

// writeCreateConfigOn is writeCreateConfig with every database on the database host of id host,
// unless host is empty.
func writeCreateConfigOn(dir string, servers []paneltest.Server, n int, timeout, host string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(configHeader + `locals {
  servers = [
`)
	for _, s := range servers {
		fmt.Fprintf(&b, "    %q,\n", s.Identifier)
	}
	fmt.Fprintf(&b, `  ]
}

resource "pterodactyl_server_database" "db" {
  count     = %d
  server_id = local.servers[count.index %% length(local.servers)]
  name      = format("db%%04d", count.index)
`, n)
	if host != "" {
		fmt.Fprintf(&b, "  database_host_id = %q\n", host)
	}
	if timeout != "" {
		fmt.Fprintf(&b, `
  timeouts {
    create = %q
  }
`, timeout)
	}
	b.WriteString("}\n")
	return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(b.String()), 0o600)
}

// lineWatcher passes output through to w and calls on with each complete line.
type lineWatcher struct {
	w    io.Writer
	on   func(line string)
	part []byte
}

func (l *lineWatcher) Write(b []byte) (int, error) {
	n, err := l.w.Write(b)
	l.part = append(l.part, b...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		l.on(string(l.part[:i]))
		l.part = l.part[i+1:]
	}
	return n, err
}
