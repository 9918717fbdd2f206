package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

type report struct {
	machine string
	flavor  string
	started time.Time
	took    time.Duration
	cases   []caseResult
	goBench string
}

// describeMachine names what the numbers were measured on.
func describeMachine(ctx context.Context, terraform string) string {
	cpu := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		_ = f.Close()
	}
	mem := ""
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var kib int64
			if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kib); err == nil {
				mem = fmt.Sprintf(", %.0f GiB RAM", float64(kib)/(1<<20))
				break
			}
		}
		_ = f.Close()
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	tfv := "unknown"
	if out, err := exec.CommandContext(ctx, terraform, "version").Output(); err == nil {
		tfv = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	return fmt.Sprintf("%s, %d cores%s; %s %s %s; %s; %s", cpu, runtime.NumCPU(), mem,
		runtime.GOOS, runtime.GOARCH, strings.TrimSpace(string(kernel)), runtime.Version(), tfv)
}

// goBenchmarks runs the client's Go benchmarks and returns their output.
func goBenchmarks(ctx context.Context, root string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./internal/panel/")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go test -bench: %w\n%s", err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func ratio(a, b float64) string {
	if a == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f×", b/a)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func mib(kib int64) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }

// tables renders the measurements as Markdown tables.
func (r *report) tables() string {
	var b strings.Builder
	b.WriteString("Requests per `terraform plan -refresh-only` (sharing on / off):\n\n")
	b.WriteString("| N databases | S servers | servers holding them | list calls | total requests | refused (429) | list calls off ÷ on |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range r.cases {
		fmt.Fprintf(&b, "| %d | %d | %d | %d / %d | %d / %d | %d / %d | %s |\n",
			c.databases, c.servers, c.serversUsed, c.shared.lists, c.unshared.lists, c.shared.total, c.unshared.total,
			c.shared.throttled, c.unshared.throttled, ratio(float64(c.shared.lists), float64(c.unshared.lists)))
	}
	b.WriteString("\nTime, and the provider process's CPU time and peak memory (sharing on / off):\n\n")
	b.WriteString("| N databases | S servers | wall time | slower without sharing | provider CPU | provider peak RSS | `plan -refresh=false`: wall, peak RSS |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range r.cases {
		fmt.Fprintf(&b, "| %d | %d | %s / %s | %s | %s / %s | %s / %s | %s, %s |\n",
			c.databases, c.servers, secs(c.shared.wall), secs(c.unshared.wall),
			ratio(c.shared.wall.Seconds(), c.unshared.wall.Seconds()),
			secs(c.shared.providerCPU), secs(c.unshared.providerCPU),
			mib(c.shared.peakKiB), mib(c.unshared.peakKiB), secs(c.noRefresh.wall), mib(c.noRefresh.peakKiB))
	}
	return b.String()
}

// findings states what the tables show, computed from them so that a rerun keeps it true.
func (r *report) findings() string {
	var b strings.Builder
	b.WriteString("What they show:\n\n")
	var off []string
	refusedOn, refusedOff := 0, 0
	for _, c := range r.cases {
		if c.shared.lists != c.serversUsed {
			off = append(off, fmt.Sprintf("N=%d S=%d made %d", c.databases, c.servers, c.shared.lists))
		}
		refusedOn += c.shared.throttled
		refusedOff += c.unshared.throttled
	}
	if len(off) == 0 {
		fmt.Fprintf(&b, "- With sharing, list calls equal the number of servers holding the databases (S, or N where "+
			"there are fewer databases than servers) in all %d cases: the lower bound. Without it, one per database, "+
			"and the refused ones count too.\n", len(r.cases))
	} else {
		fmt.Fprintf(&b, "- With sharing, list calls missed the number of servers holding the databases: %s.\n", strings.Join(off, "; "))
	}
	fmt.Fprintf(&b, "- Requests refused with 429 over all cases: %d with sharing, %d without.", refusedOn, refusedOff)
	if refusedOff > 0 {
		fmt.Fprintf(&b, " Without sharing the largest refreshes outrun the %s panel's per-minute limit: the client "+
			"paces them to its window, one request finding where each window ends, and the plan waits for the "+
			"next window.", r.flavor)
	}
	b.WriteString("\n")
	if len(r.cases) == 0 {
		return b.String()
	}
	big := r.cases[len(r.cases)-1]
	fmt.Fprintf(&b, "- N=%d over S=%d: %s with sharing, %s without; the same plan without refreshing, which calls "+
		"the panel not at all, takes %s. With sharing the refresh costs Terraform's own time, not the panel's.\n",
		big.databases, big.servers, secs(big.shared.wall), secs(big.unshared.wall), secs(big.noRefresh.wall))
	// Memory from the second-largest N to the largest: 100 to 1,000 by default.
	byKey := map[[2]int]caseResult{}
	var ns []int
	for _, c := range r.cases {
		byKey[[2]int{c.databases, c.servers}] = c
		if !slices.Contains(ns, c.databases) {
			ns = append(ns, c.databases)
		}
	}
	slices.Sort(ns)
	if len(ns) < 2 {
		return b.String()
	}
	lowN, maxN := ns[len(ns)-2], ns[len(ns)-1]
	belowFloor := true
	for _, c := range r.cases {
		from, ok := byKey[[2]int{lowN, c.servers}]
		if c.databases != maxN || !ok {
			continue
		}
		fmt.Fprintf(&b, "- Provider peak memory on S=%d from N=%d to N=%d: %s → %s with sharing; the plan that makes "+
			"no panel calls goes %s → %s.\n", c.servers, from.databases, c.databases,
			mib(from.shared.peakKiB), mib(c.shared.peakKiB), mib(from.noRefresh.peakKiB), mib(c.noRefresh.peakKiB))
		belowFloor = belowFloor && c.shared.peakKiB-from.shared.peakKiB <= c.noRefresh.peakKiB-from.noRefresh.peakKiB
	}
	if belowFloor {
		b.WriteString("  The refresh with sharing grows less than a plan that never calls the panel: what grows with N " +
			"is the work per resource that Terraform sends through the plugin protocol, not the client.\n")
	}
	b.WriteString("- The client itself holds one decoded list per server, and hands each read a copy that is " +
		"garbage once the read is done.\n")
	return b.String()
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, `# Benchmarks

What a refresh costs the panel and the provider, with the client's list sharing on and off
(issue 6). The panel has no single-database read, so every refreshed database lists its
server's databases; sharing makes parallel reads of one server wait on one list call.

- **Date:** %s
- **Machine:** %s
- **Command:** `+"`make bench`"+` (that is, `+"`go run ./internal/bench -terraform \"$(TERRAFORM)\" -out BENCHMARKS.md`"+`),
  which took %s in all.
- **Panel:** the in-memory panel (`+"`internal/paneltest`"+`), %s flavor, at its default rate limits.

## How it is measured

For each case, N databases are seeded straight into the panel, spread round-robin over S
servers, and imported into state by one `+"`terraform apply`"+` of generated import blocks. Then
the same `+"`terraform plan -refresh-only`"+` runs twice, each with a new API key so that each starts
with a fresh rate-limit window: with sharing (the provider as released) and without it (the
bench build reads `+"`PANELBENCH_SHARING=off`"+`; it is not a user setting). Each plan must report
"No changes": state and panel agree, with sharing as without. Requests are counted by
the panel; the wall time is the whole Terraform command; the peak memory is the provider
process's own `+"`ru_maxrss`"+` (VmHWM), which it reports when Terraform shuts it down.
`+"`plan -refresh=false`"+` on the same state is the time Terraform and the provider take without
talking to the panel at all.

## Results

%s
%s
## Go benchmarks

`+"`go test -run '^$' -bench . -benchmem ./internal/panel/`"+`: the request path (pacing, headers,
HTTP over loopback, decoding), list decoding alone, and a read served from a shared answer.

`+"```"+`
%s
`+"```"+`
`, r.started.UTC().Format("2006-01-02"), r.machine, r.took.Round(time.Second), r.flavor, r.tables(), r.findings(), r.goBench)
	return b.String()
}
