//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// Kinds of command, as the summary groups them.
const (
	kindInit   = "init"
	kindCreate = "apply-create"
	kindPlan   = "plan"
	kindRotate = "apply-rotate"
	kindDelete = "destroy"
)

// stand is one layout on one flavor's panel: its own servers and working directory.
type stand struct {
	flavor  string
	layout  layout
	panel   *recordedPanel
	servers []string
	dir     string
	broken  bool // its state can no longer be trusted: skipped from then on
}

func (st *stand) String() string { return st.flavor + " " + st.layout.String() }

type soak struct {
	o        options
	work     string
	started  time.Time
	tf       *cli
	panels   []*recordedPanel
	stands   []*stand
	results  []result
	failures []string
	trips    int
	cycles   int
}

// result is one command run.
type result struct {
	flavor    string
	layout    layout
	kind      string
	took      time.Duration
	bound     time.Duration
	ok        bool
	tripped   bool
	requests  int
	throttled int
	maxQuiet  time.Duration
}

func (s *soak) failed() bool { return len(s.failures) > 0 }

func (s *soak) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.failures = append(s.failures, msg)
	fmt.Printf("   FAILED: %s\n", msg)
}

// prepare starts one panel per flavor, gives each layout servers of its own and one API key
// for all of them (one user, as someone trying the provider has), writes the configurations
// and runs init in each.
func (s *soak) prepare(ctx context.Context) error {
	for _, flavor := range s.o.flavors {
		p, err := startPanel(flavor)
		if err != nil {
			return err
		}
		s.panels = append(s.panels, p)
		perms := map[string][]string{}
		var stands []*stand
		for _, l := range s.o.layouts {
			st := &stand{flavor: flavor, layout: l, panel: p, dir: filepath.Join(s.work, flavor+"-"+l.String())}
			for range l.servers {
				srv := p.AddServer(paneltest.Server{})
				st.servers = append(st.servers, srv.Identifier)
				perms[srv.Identifier] = []string{"*"}
			}
			stands = append(stands, st)
		}
		p.key = p.AddKey(paneltest.Key{Servers: perms})
		fmt.Printf("soak: %s panel at %s\n", flavor, p.url)
		for _, st := range stands {
			if err := writeConfig(st); err != nil {
				return err
			}
			if !s.step(ctx, st, 0, kindInit, time.Duration(float64(s.o.margin+window)*s.o.scale), []string{"init", "-input=false", "-no-color"}, nil) {
				st.broken = true
			}
		}
		s.stands = append(s.stands, stands...)
	}
	return nil
}

func (s *soak) closePanels() {
	for _, p := range s.panels {
		p.close()
	}
}

// writeConfig writes N databases with count, spread round-robin over the stand's servers.
func writeConfig(st *stand) error {
	if err := os.MkdirAll(st.dir, 0o700); err != nil {
		return err
	}
	main := fmt.Sprintf(`terraform {
  required_providers {
    pterodactyl = {
      source  = "panelform/pterodactyl"
      version = %q
    }
  }
}

provider "pterodactyl" {}

variable "servers" {
  type = list(string)
}

variable "databases" {
  type = number
}

variable "rotation" {
  type = string
}

resource "pterodactyl_server_database" "db" {
  count     = var.databases
  server_id = var.servers[count.index %% length(var.servers)]
  name      = format("soak%%03d", count.index)

  rotate_when_changed = {
    manual = var.rotation
  }
}
`, providerVersion)
	quoted := make([]string, len(st.servers))
	for i, id := range st.servers {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	vars := fmt.Sprintf("servers   = [%s]\ndatabases = %d\n", strings.Join(quoted, ", "), st.layout.databases)
	if err := os.WriteFile(filepath.Join(st.dir, "main.tf"), []byte(main), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(st.dir, "terraform.tfvars"), []byte(vars), 0o600)
}

// cycle runs apply → plans → rotate → plan → destroy on one stand. After a failure it goes
// straight to the destroy, so the next cycle starts from nothing.
func (s *soak) cycle(ctx context.Context, st *stand, n int) {
	if st.broken {
		fmt.Printf("-- %s: skipped (an earlier failure left it in an unknown state)\n", st)
		return
	}
	fmt.Printf("-- %s: %d databases over %d server(s) on the %s panel\n", st, st.layout.databases, st.layout.servers, st.flavor)
	dbs, flavor := st.layout.databases, st.flavor
	first, second := fmt.Sprintf("cycle%d-a", n), fmt.Sprintf("cycle%d-b", n)
	apply := func(rotation string) []string {
		return []string{"apply", "-input=false", "-no-color", "-auto-approve", "-var", "rotation=" + rotation}
	}
	plan := func(rotation string) []string {
		return []string{"plan", "-input=false", "-no-color", "-detailed-exitcode", "-var", "rotation=" + rotation}
	}
	var before map[string]string
	ok := s.step(ctx, st, n, kindCreate, bound(s.o, flavor, dbs, st.layout.perServer()), apply(first), func() error {
		var err error
		before, err = s.expect(st, dbs)
		return err
	})
	for i := 0; ok && i < s.o.plans; i++ {
		ok = s.step(ctx, st, n, kindPlan, bound(s.o, flavor, dbs, 0), plan(first), nil)
	}
	rotation := first
	if ok {
		rotation = second
		ok = s.step(ctx, st, n, kindRotate, bound(s.o, flavor, dbs, 0), apply(second), func() error {
			after, err := s.expect(st, dbs)
			if err != nil {
				return err
			}
			same := 0
			for id, pw := range after {
				if before[id] == pw {
					same++
				}
			}
			if same > 0 {
				return fmt.Errorf("%d of %d passwords did not change", same, dbs)
			}
			return nil
		})
	}
	if ok {
		ok = s.step(ctx, st, n, kindPlan, bound(s.o, flavor, dbs, 0), plan(second), nil)
	}
	if ctx.Err() != nil {
		return
	}
	destroyed := s.step(ctx, st, n, kindDelete, bound(s.o, flavor, dbs, 0),
		[]string{"destroy", "-input=false", "-no-color", "-auto-approve", "-var", "rotation=" + rotation}, func() error {
			_, err := s.expect(st, 0)
			return err
		})
	if !destroyed {
		st.broken = true
	}
	_ = ok
}

// expect checks that the stand's servers hold exactly want databases on the panel, and
// returns their passwords by id.
func (s *soak) expect(st *stand, want int) (map[string]string, error) {
	pw := map[string]string{}
	for _, srv := range st.servers {
		for _, d := range st.panel.Databases(srv) {
			pw[d.ID] = d.Password
		}
	}
	if len(pw) != want {
		return pw, fmt.Errorf("the panel holds %d databases on the layout's servers, want %d", len(pw), want)
	}
	return pw, nil
}

// step runs one command under the watchdog, checks its exit status (0; plans run with
// -detailed-exitcode, so a plan with changes fails) and then check, and records it.
func (s *soak) step(ctx context.Context, st *stand, cycle int, kind string, limit time.Duration, args []string, check func() error) bool {
	name := fmt.Sprintf("c%d-%s-%d", cycle, kind, time.Now().UnixNano()%1e6)
	c := command{
		dir: st.dir, name: name, args: args, bound: limit, panel: st.panel,
		env: []string{"PTERODACTYL_PANEL_URL=" + st.panel.url, "PTERODACTYL_API_KEY=" + st.panel.key},
	}
	res, err := s.tf.run(ctx, s.o, c)
	total, throttled := counts(res.requests)
	r := result{
		flavor: st.flavor, layout: st.layout, kind: kind, took: res.took, bound: limit,
		tripped: res.tripped, requests: total, throttled: throttled, maxQuiet: res.maxQuiet,
	}
	fmt.Printf("   %-12s %9s (bound %s)  %3d requests, %2d refused (429), longest silence %s",
		kind, res.took.Round(100*time.Millisecond), limit, total, throttled, res.maxQuiet.Round(100*time.Millisecond))
	switch {
	case ctx.Err() != nil:
		fmt.Println("  interrupted")
		return false
	case err != nil:
		fmt.Println()
		s.trips++
		s.fail("%s: %v", st, err)
	case res.exit != 0:
		fmt.Println()
		what := "failed"
		if kind == kindPlan && res.exit == 2 {
			what = "found changes, where the plan after an apply must be empty"
		}
		s.fail("%s: %s %s %s (exit %d); the end of its output (all in %s):\n%s",
			st, filepath.Base(s.tf.bin), strings.Join(args, " "), what, res.exit, res.output, tailOf(res.output, 40))
	default:
		if check != nil {
			if cerr := check(); cerr != nil {
				fmt.Println()
				s.fail("%s: after %s: %v", st, strings.Join(args, " "), cerr)
				break
			}
		}
		r.ok = true
		fmt.Println("  ok")
	}
	s.results = append(s.results, r)
	if r.ok && !s.o.keep {
		// Logs of commands that passed are not kept: a DEBUG log is megabytes.
		_ = os.Remove(res.output)
		_ = os.Remove(res.panelLog)
		if res.tfLog != "" {
			_ = os.Remove(res.tfLog)
		}
	}
	return r.ok
}

// tailOf returns the last n lines of a file, indented.
func tailOf(path string, n int) string {
	data, err := os.ReadFile(path) //nolint:gosec // the soak's own output file
	if err != nil {
		return "      (" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return indent(strings.Join(lines[max(0, len(lines)-n):], "\n")+"\n", "      ")
}

// finish reports databases left on the panels.
func (s *soak) finish(_ context.Context) {
	for _, st := range s.stands {
		if left, _ := s.expect(st, 0); len(left) > 0 {
			s.fail("%s: %d database(s) left on the panel at the end", st, len(left))
		}
	}
}

// summary renders the results by flavor, kind and layout.
func (s *soak) summary(took time.Duration) string {
	type key struct {
		flavor string
		kind   string
		layout layout
	}
	var order []key
	groups := map[key][]result{}
	for _, r := range s.results {
		k := key{r.flavor, r.kind, r.layout}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	kindRank := map[string]int{kindInit: 0, kindCreate: 1, kindPlan: 2, kindRotate: 3, kindDelete: 4}
	flavorRank := map[string]int{}
	for i, f := range s.o.flavors {
		flavorRank[f] = i
	}
	slices.SortStableFunc(order, func(a, b key) int {
		if d := flavorRank[a.flavor] - flavorRank[b.flavor]; d != 0 {
			return d
		}
		return kindRank[a.kind] - kindRank[b.kind]
	})
	var b strings.Builder
	fmt.Fprintf(&b, "Soak summary: %s, %d cycle(s) in %s, %d busy process(es) on %d CPUs\n",
		s.tf.version, s.cycles, took.Round(time.Second), s.o.load, runtime.NumCPU())
	fmt.Fprintf(&b, "%-12s %-13s %-6s %5s %6s %9s %9s %9s %9s %8s %6s %9s\n",
		"flavor", "kind", "NxS", "count", "failed", "min", "median", "max", "bound", "requests", "429s", "silence")
	for _, k := range order {
		rs := groups[k]
		var durs []time.Duration
		failed, reqs, refused := 0, 0, 0
		var bnd, quiet time.Duration
		for _, r := range rs {
			durs = append(durs, r.took)
			if !r.ok {
				failed++
			}
			reqs += r.requests
			refused += r.throttled
			bnd = max(bnd, r.bound)
			quiet = max(quiet, r.maxQuiet)
		}
		slices.Sort(durs)
		fmt.Fprintf(&b, "%-12s %-13s %-6s %5d %6d %9s %9s %9s %9s %8d %6d %9s\n",
			k.flavor, k.kind, k.layout, len(rs), failed, sec(durs[0]), sec(median(durs)), sec(durs[len(durs)-1]),
			sec(bnd), reqs, refused, sec(quiet))
	}
	b.WriteString("(durations are whole Terraform commands; requests and 429s are the panel's count over all of them; silence is the\n" +
		" longest time without an output line in any one of them)\n")
	b.WriteString(boundFormula(s.o))
	if s.failed() {
		fmt.Fprintf(&b, "\n%d FAILURE(S), %d of them watchdog trips:\n", len(s.failures), s.trips)
		for _, f := range s.failures {
			fmt.Fprintf(&b, "  - %s\n", strings.SplitN(f, "\n", 2)[0])
		}
	} else {
		b.WriteString("\nno failures: every command ended within its bound, every plan after an apply was empty\n")
	}
	return b.String()
}

func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func sec(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
