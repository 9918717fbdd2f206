// Command bench measures what `terraform plan -refresh-only` costs the panel and the provider
// for N databases over S servers, and what creating N databases over S servers costs the
// panel, with the client's sharing on and off, against the in-memory panel at its default
// rate limits. `make bench` runs it and writes BENCHMARKS.md.
//
// For each refresh case it seeds the databases straight into the panel, imports them with one
// `terraform apply` of generated import blocks, then runs the same refresh-only plan twice
// with a fresh API key each (so each starts with a fresh rate-limit window): once with
// sharing, once without. It counts the panel's requests by route and status, times the
// plan, and takes the peak memory the provider process reports when it exits.
//
// For each create case it runs `terraform apply -auto-approve` of one count-based resource
// from empty state twice, with sharing and without, each on a fresh panel with fresh servers
// and a fresh API key. It counts the panel's requests by route and status over the whole
// command (plan and apply), times it, and checks that the panel then holds exactly the
// databases asked for.
//
// For each key-kind case (admin.go) it runs the same refresh and the same create with a client
// key and with an application key, whose reads are sweeps of the server list.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/localmirror"
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
	creates   []createCase
	admin     []createCase
	create    createOptions
	goBench   bool
	keep      bool
}

// createTarget is the most requests per created database, over plan and apply together, that
// the client may make with sharing on (issue 12).
const createTarget = 1.2

func run() error {
	var o options
	var dbs, srvs, creates, admin string
	flag.StringVar(&o.terraform, "terraform", "terraform", "the Terraform CLI to run")
	flag.StringVar(&o.out, "out", "BENCHMARKS.md", "where to write the report; empty prints it only")
	flag.StringVar(&o.flavor, "flavor", "pterodactyl", "panel to imitate, at its default limits: pterodactyl or pelican")
	flag.StringVar(&dbs, "databases", "10,100,1000", "refresh cases: database counts N, comma-separated; empty runs no refresh cases")
	flag.StringVar(&srvs, "servers", "1,10,50", "refresh cases: server counts S, comma-separated; empty runs no refresh cases")
	flag.StringVar(&creates, "create-cases", "40x1,1000x10",
		"create cases: N databases over S servers as NxS, comma-separated; empty runs no create cases")
	flag.StringVar(&admin, "admin-cases", "1000x500",
		"key-kind cases: N databases over S servers as NxS, refreshed and created with a client key and with an application key; empty runs none")
	flag.IntVar(&o.create.parallelism, "create-parallelism", 10, "terraform apply -parallelism for the create cases (10 is Terraform's default)")
	flag.StringVar(&o.create.timeout, "create-timeout", "60m",
		"timeouts.create in the create cases' configuration; empty keeps the provider's default (10m)")
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
	if o.creates, err = parseCreateCases(creates); err != nil {
		return fmt.Errorf("-create-cases: %w", err)
	}
	if o.admin, err = parseCreateCases(admin); err != nil {
		return fmt.Errorf("-admin-cases: %w", err)
	}
	if o.create.parallelism <= 0 {
		return fmt.Errorf("-create-parallelism must be positive, got %d", o.create.parallelism)
	}
	if o.create.timeout != "" {
		if _, err := time.ParseDuration(o.create.timeout); err != nil {
			return fmt.Errorf("-create-timeout: %w", err)
		}
	}
	if o.flavor != "pterodactyl" && o.flavor != "pelican" {
		return fmt.Errorf("-flavor must be pterodactyl or pelican, got %q", o.flavor)
	}
	o.create.flavor = o.flavor

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	started := time.Now()
	root, err := localmirror.RepoRoot("the bench (make bench)")
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

	rep := report{machine: describeMachine(ctx, o.terraform), flavor: o.flavor, started: started, create: o.create}
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
	for _, c := range o.creates {
		fmt.Printf("creating N=%d databases over S=%d servers\n", c.databases, c.servers)
		r, err := runCreateCase(ctx, tf, filepath.Join(work, "create-"+c.String()), o.create, c)
		if err != nil {
			return fmt.Errorf("creating %d databases over %d servers: %w", c.databases, c.servers, err)
		}
		rep.creates = append(rep.creates, r)
	}
	for _, c := range o.admin {
		fmt.Printf("N=%d databases over S=%d servers, with each key kind\n", c.databases, c.servers)
		r, err := runAdminCase(ctx, tf, filepath.Join(work, "admin-"+c.String()), o.flavor, c)
		if err != nil {
			return fmt.Errorf("key kinds, %d databases over %d servers: %w", c.databases, c.servers, err)
		}
		rep.admin = append(rep.admin, r)
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
		return rep.createMissed()
	}
	if err := os.WriteFile(o.out, []byte(md), 0o600); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	fmt.Printf("wrote %s\n", o.out)
	return rep.createMissed()
}

func ints(s string) ([]int, error) {
	var out []int
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}
