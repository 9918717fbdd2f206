// Command bench measures what `terraform plan -refresh-only` costs the panel and the provider
// for N databases over S servers, with the client's list sharing on and off, against the
// in-memory panel at its default rate limits. `make bench` runs it and writes BENCHMARKS.md.
//
// For each case it seeds the databases straight into the panel, imports them with one
// `terraform apply` of generated import blocks, then runs the same refresh-only plan twice
// with a fresh API key each (so each starts with a fresh rate-limit window): once with
// sharing, once without. It counts the panel's requests by route and status, times the
// plan, and takes the peak memory the provider process reports when it exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	terraform string
	out       string
	flavor    string
	databases []int
	servers   []int
	goBench   bool
	keep      bool
}

func run() error {
	var o options
	var dbs, srvs string
	flag.StringVar(&o.terraform, "terraform", "terraform", "the Terraform CLI to run")
	flag.StringVar(&o.out, "out", "BENCHMARKS.md", "where to write the report; empty prints it only")
	flag.StringVar(&o.flavor, "flavor", "pterodactyl", "panel to imitate, at its default limits: pterodactyl or pelican")
	flag.StringVar(&dbs, "databases", "10,100,1000", "database counts N, comma-separated")
	flag.StringVar(&srvs, "servers", "1,10,50", "server counts S, comma-separated")
	flag.BoolVar(&o.goBench, "go-bench", true, "also run the client's Go benchmarks (go test -bench)")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory, for looking at Terraform's logs")
	flag.Parse()
	var err error
	if o.databases, err = ints(dbs); err != nil {
		return fmt.Errorf("-databases: %w", err)
	}
	if o.servers, err = ints(srvs); err != nil {
		return fmt.Errorf("-servers: %w", err)
	}
	if o.flavor != "pterodactyl" && o.flavor != "pelican" {
		return fmt.Errorf("-flavor must be pterodactyl or pelican, got %q", o.flavor)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	started := time.Now()
	root, err := repoRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "pterodactyl-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Printf("working directory: %s\n", work)
	} else {
		defer func() { _ = os.RemoveAll(work) }()
	}
	tf, err := setup(ctx, root, work, o.terraform)
	if err != nil {
		return err
	}

	rep := report{machine: describeMachine(ctx, o.terraform), flavor: o.flavor, started: started}
	for _, n := range o.databases {
		for _, s := range o.servers {
			fmt.Printf("N=%d databases over S=%d servers: ", n, s)
			r, err := runCase(ctx, tf, filepath.Join(work, fmt.Sprintf("n%d-s%d", n, s)), o.flavor, n, s)
			if err != nil {
				return fmt.Errorf("case of %d databases over %d servers: %w", n, s, err)
			}
			fmt.Printf("%d/%d list calls (shared/unshared), %s/%s\n", r.shared.lists, r.unshared.lists,
				r.shared.wall.Round(time.Millisecond), r.unshared.wall.Round(time.Millisecond))
			rep.cases = append(rep.cases, r)
		}
	}
	if o.goBench {
		fmt.Println("go test -bench ./internal/panel/")
		if rep.goBench, err = goBenchmarks(ctx, root); err != nil {
			return err
		}
	}
	rep.took = time.Since(started)
	md := rep.markdown()
	fmt.Println()
	fmt.Print(rep.tables())
	fmt.Printf("\nbench took %s\n", rep.took.Round(time.Second))
	if o.out == "" {
		return nil
	}
	if err := os.WriteFile(o.out, []byte(md), 0o600); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	fmt.Printf("wrote %s\n", o.out)
	return nil
}

func ints(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// repoRoot finds the module root from the working directory, so the bench can build the
// provider and run go test wherever it is started from inside the repository.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run the bench from inside the repository (make bench)")
		}
		dir = parent
	}
}
