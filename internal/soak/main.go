//go:build unix

// Command soak runs the provider through a real Terraform (or OpenTofu) CLI against the
// in-memory panel again and again, under CPU load, and stops any command that runs longer than
// the panel's rate limits can explain. `make soak` runs it.
//
// For each flavor (pterodactyl, pelican: one panel each, at its default limits, kept for the
// whole run so that its rate-limit windows carry over from one command to the next, as with
// cmd/localpanel) and each layout of N databases over S servers, a cycle is:
//
//	apply (create N) → P × plan -detailed-exitcode (must exit 0) → apply (rotate N) →
//	plan -detailed-exitcode → destroy
//
// checked against the panel after each step (N databases made, every password rotated,
// nothing left). Meanwhile -load processes keep every CPU busy. A watchdog (watch.go) bounds
// each command by a time worked out from the panel's limits (bound.go); when a command runs past
// it, the watchdog prints what it knows (the command, how long it ran, its last output lines, the
// panel's last requests, the provider's log lines), asks Terraform and the provider for their
// goroutine stacks (SIGQUIT), and kills them. The summary gives, per flavor, layout and kind of
// command, the count and the min/median/max durations next to the bound. The exit status is 1
// when any command failed or was stopped.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/localmirror"
)

func main() {
	if os.Getenv(burnEnv) != "" {
		burn() // a load process (load.go); never returns
	}
	code, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// layout is N databases spread round-robin over S servers.
type layout struct{ databases, servers int }

func (l layout) String() string { return fmt.Sprintf("%dx%d", l.databases, l.servers) }

// perServer is the most databases any one server of the layout holds.
func (l layout) perServer() int { return (l.databases + l.servers - 1) / l.servers }

type options struct {
	terraform   string
	flavors     []string
	layouts     []layout
	cycles      int
	duration    time.Duration
	plans       int
	load        int
	margin      time.Duration
	perResource time.Duration
	scale       float64
	tfLog       string
	tail        int
	keep        bool
	failFast    bool
}

func parseFlags() (options, error) {
	var o options
	var flavors, layouts string
	def := os.Getenv("TERRAFORM")
	if def == "" {
		def = "terraform"
	}
	flag.StringVar(&o.terraform, "terraform", def, "the Terraform or OpenTofu CLI to run (the default is $TERRAFORM when it is set)")
	flag.StringVar(&flavors, "flavors", "pterodactyl,pelican", "panels to imitate, at their default rate limits, comma-separated")
	flag.StringVar(&layouts, "layouts", "10x1,12x4", "configurations as NxS: N databases (count = N) over S servers, comma-separated;\n"+
		"10x1 puts all ten on one server, which Pelican lets create two a minute")
	flag.IntVar(&o.cycles, "cycles", 5, "cycles to run; with -duration, the most cycles to run (0: no limit)")
	flag.DurationVar(&o.duration, "duration", 0, "keep starting cycles until this much time has passed (a cycle under way finishes); 0: run -cycles")
	flag.IntVar(&o.plans, "plans", 3, "no-change plans right after each apply that creates")
	flag.IntVar(&o.load, "load", runtime.NumCPU(), "busy processes to run alongside, for CPU load; 0 for none")
	flag.DurationVar(&o.margin, "margin", 30*time.Second, "fixed part of every bound: Terraform starting and launching the provider, under load")
	flag.DurationVar(&o.perResource, "per-resource", time.Second, "part of every bound per resource instance in the configuration")
	flag.Float64Var(&o.scale, "bound-scale", 1, "multiply every bound by this (below 1 to see the watchdog at work)")
	flag.StringVar(&o.tfLog, "tf-log", "DEBUG", "TF_LOG level for each command, written to a file per command (TF_LOG_PATH); empty turns logging off")
	flag.IntVar(&o.tail, "tail", 40, "output lines and provider log lines a watchdog report shows")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory (logs of every step) even when everything passed")
	flag.BoolVar(&o.failFast, "fail-fast", false, "stop at the first failure instead of going on with the other layouts and cycles")
	flag.Parse()
	if flag.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	cyclesSet := false
	flag.Visit(func(f *flag.Flag) { cyclesSet = cyclesSet || f.Name == "cycles" })
	if o.duration > 0 && !cyclesSet {
		o.cycles = 0
	}
	if o.cycles < 0 || o.duration < 0 || o.plans < 0 || o.load < 0 || o.margin < 0 || o.perResource < 0 || o.tail < 0 || o.scale <= 0 {
		return o, errors.New("-cycles, -duration, -plans, -load, -margin, -per-resource and -tail must not be negative, nor -bound-scale 0 or less")
	}
	if o.cycles == 0 && o.duration == 0 {
		return o, errors.New("-cycles 0 needs a -duration")
	}
	for f := range strings.SplitSeq(flavors, ",") {
		f = strings.TrimSpace(f)
		if _, ok := limitsOf[f]; !ok {
			return o, fmt.Errorf("-flavors: %q is neither pterodactyl nor pelican", f)
		}
		o.flavors = append(o.flavors, f)
	}
	for f := range strings.SplitSeq(layouts, ",") {
		n, s, ok := strings.Cut(strings.TrimSpace(f), "x")
		dbs, err1 := strconv.Atoi(n)
		srvs, err2 := strconv.Atoi(s)
		if !ok || err1 != nil || err2 != nil || dbs <= 0 || srvs <= 0 || srvs > dbs {
			return o, fmt.Errorf("-layouts: %q is not NxS with 0 < S <= N", f)
		}
		o.layouts = append(o.layouts, layout{dbs, srvs})
	}
	return o, nil
}

func run() (int, error) {
	o, err := parseFlags()
	if err != nil {
		return 2, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	started := time.Now()
	root, err := localmirror.RepoRoot("the soak (make soak)")
	if err != nil {
		return 1, err
	}
	work, err := os.MkdirTemp("", "pterodactyl-soak-")
	if err != nil {
		return 1, err
	}
	s := &soak{o: o, work: work, started: started}
	defer func() {
		if o.keep || s.failed() {
			fmt.Printf("\nworking directory kept: %s (a directory per flavor and layout, with each step's output and TF_LOG)\n", work)
			return
		}
		_ = os.RemoveAll(work)
	}()

	if s.tf, err = setup(ctx, root, work, o.terraform); err != nil {
		return 1, err
	}
	fmt.Printf("soak: %s (%s); provider built from %s\n", s.tf.version, s.tf.bin, describeSource(ctx, root))
	fmt.Printf("soak: flavors %s; layouts %s; %s; %d no-change plan(s) after each create; %d busy process(es) for load on %d CPUs; TF_LOG=%s per command\n",
		strings.Join(o.flavors, ","), layoutsString(o.layouts), cyclesString(o), o.plans, o.load, runtime.NumCPU(), orNone(o.tfLog))
	fmt.Print(indent(boundFormula(o), "soak: "))

	stopLoad, err := startLoad(o.load)
	if err != nil {
		return 1, err
	}
	defer stopLoad()

	if err := s.prepare(ctx); err != nil {
		return 1, err
	}
	defer s.closePanels()

	for cycle := 1; o.cycles == 0 || cycle <= o.cycles; cycle++ {
		if o.duration > 0 && time.Since(started) >= o.duration {
			break
		}
		if ctx.Err() != nil || (o.failFast && s.failed()) {
			break
		}
		fmt.Printf("\n== cycle %d (%s elapsed)\n", cycle, time.Since(started).Round(time.Second))
		for _, st := range s.stands {
			if ctx.Err() != nil || (o.failFast && s.failed()) {
				break
			}
			s.cycle(ctx, st, cycle)
		}
		s.cycles = cycle
	}
	s.finish(ctx)
	fmt.Println()
	fmt.Print(s.summary(time.Since(started)))
	if ctx.Err() != nil {
		return 130, errors.New("interrupted")
	}
	if s.failed() {
		return 1, fmt.Errorf("%d failure(s), of which %d watchdog trip(s)", len(s.failures), s.trips)
	}
	return 0, nil
}

func layoutsString(ls []layout) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, l.String())
	}
	return strings.Join(parts, ",")
}

func cyclesString(o options) string {
	switch {
	case o.duration > 0 && o.cycles > 0:
		return fmt.Sprintf("cycles for %s, at most %d", o.duration, o.cycles)
	case o.duration > 0:
		return fmt.Sprintf("cycles for %s", o.duration)
	}
	return fmt.Sprintf("%d cycle(s)", o.cycles)
}

func orNone(s string) string {
	if s == "" {
		return "(off)"
	}
	return s
}

func indent(s, prefix string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		b.WriteString(prefix + line)
	}
	return b.String()
}
