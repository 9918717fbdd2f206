package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type report struct {
	machine string
	flavor  string
	started time.Time
	took    time.Duration
	cases   []caseResult
	creates []createResult
	admin   []adminResult
	create  createOptions
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

// tables renders the measurements as Markdown tables, for the terminal.
func (r *report) tables() string {
	return r.refreshTables() + "\n" + r.createTables() + "\n" + r.adminTables()
}

// refreshTables renders the refresh measurements as Markdown tables.
func (r *report) refreshTables() string {
	if len(r.cases) == 0 {
		return "No refresh cases were run.\n"
	}
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

// findings states what the refresh tables show, computed from them so that a rerun keeps it true.
func (r *report) findings() string {
	if len(r.cases) == 0 {
		return ""
	}
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

What a refresh and a create cost the panel and the provider, with the client's sharing on and
off (issues 6 and 12), and with each kind of API key (issue 25). The panel has no single-database read, so every refreshed database lists
its server's databases; sharing makes parallel reads of one server wait on one list call. A
create is checked against its server and the server's databases first, at plan time and again
before it is sent; sharing reads each server once and lists its databases once per provider
process, and keeps that list current with the process's own creates and deletes.

- **Date:** %s
- **Machine:** %s
- **Command:** `+"`make bench`"+` (that is, `+"`go run ./internal/bench -terraform \"$(TERRAFORM)\" -out BENCHMARKS.md`"+`),
  which took %s in all.
- **Panel:** the in-memory panel (`+"`internal/paneltest`"+`), %s flavor, at its default rate limits.

## How it is measured

Sharing is on in the provider as released. The bench builds the provider with the
`+"`panelbench`"+` tag, which reads `+"`PANELBENCH_SHARING=off`"+` and then shares nothing: no list
sharing, no server read kept for the process, no list kept per server. It is not a user setting.
Every measured command gets a new API key, so that each starts with a fresh rate-limit window.
Requests are counted by the panel, by route and over the whole command, and the ones it refused
with 429 count too; the wall time is the whole Terraform command.

**Refresh.** For each case, N databases are seeded straight into the panel, spread round-robin
over S servers, and imported into state by one `+"`terraform apply`"+` of generated import blocks.
Then the same `+"`terraform plan -refresh-only`"+` runs twice, with sharing and without. Each plan
must report "No changes": state and panel agree, with sharing as without. The peak memory is
the provider process's own `+"`ru_maxrss`"+` (VmHWM), which it reports when Terraform shuts it
down. `+"`plan -refresh=false`"+` on the same state is the time Terraform and the provider take
without talking to the panel at all.

**Create.** For each case, one `+"`count`"+`-based resource of N databases (database i is named
`+"`db<i>`"+` and goes to server i mod S, round-robin) is created from empty state by
`+"`terraform apply -auto-approve`"+`, as a user runs it: Terraform plans in one provider process and
applies in another. It runs twice, with sharing and without, each on a fresh panel with S fresh
servers. The requests in the plan are those the panel had answered when Terraform printed its
plan; the rest are the apply's. Afterwards the panel must hold exactly the N databases asked for;
then the panel is discarded instead of destroying them.

**Key kinds.** For each case of N databases over S servers, the refresh and the create are
measured with a client key and with an application key (whose creates name database host 1),
with sharing on, on panels alike that hold the S servers alone: the refresh on one panel with
the N databases seeded and imported into a state per key kind (the ids differ by kind), each
create on a fresh panel. With an application key the provider reads the panel's server list,
100 servers a request with their databases (a sweep), instead of each server and its list.

%s

## Results

### Refresh

%s
%s
### Create

%s
%s
### Client key and application key

%s
%s
## Go benchmarks

`+"`go test -run '^$' -bench . -benchmem ./internal/panel/`"+`: the request path (pacing, headers,
HTTP over loopback, decoding), list decoding alone, and a read served from a shared answer.

`+"```"+`
%s
`+"```"+`
`, r.started.UTC().Format("2006-01-02"), r.machine, r.took.Round(time.Second), r.flavor, r.createSetup(),
		r.refreshTables(), r.findings(), r.createTables(), r.createFindings(), r.adminTables(), r.adminFindings(), cmp.Or(r.goBench, "(not run: -go-bench=false)"))
	return b.String()
}

// expected is what a create of the case costs with sharing: N creates, and per server one
// read and one list in each of the two provider processes (plan and apply).
func (c createCase) expected() int { return c.databases + 4*c.servers }

// createTables renders the create measurements as Markdown tables, and the target.
func (r *report) createTables() string {
	if len(r.creates) == 0 {
		return "No create cases were run.\n"
	}
	var b strings.Builder
	b.WriteString("Requests per `terraform apply -auto-approve` that creates N databases from empty state, plan and " +
		"apply together (sharing on / off):\n\n")
	b.WriteString("| N databases | S servers | server reads | list calls | creates | total requests | N + 4·S | " +
		"requests per created database | refused (429) | wall time |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range r.creates {
		fmt.Fprintf(&b, "| %d | %d | %d / %d | %d / %d | %d / %d | %d / %d | %d | %.2f / %.2f | %d / %d | %s / %s |\n",
			c.databases, c.servers, c.shared.getServer, c.unshared.getServer, c.shared.lists, c.unshared.lists,
			c.shared.creates, c.unshared.creates, c.shared.total, c.unshared.total, c.expected(),
			c.shared.perDatabase(c.databases), c.unshared.perDatabase(c.databases), c.shared.throttled, c.unshared.throttled,
			minsecs(c.shared.wall), minsecs(c.unshared.wall))
	}
	b.WriteString("\nThe same requests, in the plan's provider process and in the apply's:\n\n")
	b.WriteString("| N databases | S servers | sharing | plan: server reads | plan: list calls | apply: server reads | " +
		"apply: list calls | apply: creates | refused (429) in the plan, in the apply |\n")
	b.WriteString("|---:|---:|:---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range r.creates {
		for _, m := range []struct {
			name string
			run  createRun
		}{{"on", c.shared}, {"off", c.unshared}} {
			a := m.run.apply()
			fmt.Fprintf(&b, "| %d | %d | %s | %d | %d | %d | %d | %d | %d, %d |\n", c.databases, c.servers, m.name,
				m.run.plan.getServer, m.run.plan.lists, a.getServer, a.lists, a.creates, m.run.plan.throttled, a.throttled)
		}
	}
	b.WriteString("\n" + r.createVerdict())
	return b.String()
}

// createMissed is an error naming the create cases that made more than createTarget requests
// per created database with sharing on, so that `make bench` fails when the bound is not held.
func (r *report) createMissed() error {
	var missed []string
	for _, c := range r.creates {
		if v := c.shared.perDatabase(c.databases); v > createTarget {
			missed = append(missed, fmt.Sprintf("%.2f at N=%d over S=%d", v, c.databases, c.servers))
		}
	}
	if len(missed) > 0 {
		return fmt.Errorf("more than %.1f requests per created database with sharing on: %s", createTarget, strings.Join(missed, "; "))
	}
	return nil
}

// createVerdict says whether every case held the target with sharing on.
func (r *report) createVerdict() string {
	var per, missed []string
	for _, c := range r.creates {
		v := c.shared.perDatabase(c.databases)
		at := fmt.Sprintf("%.2f at N=%d over S=%d", v, c.databases, c.servers)
		per = append(per, at)
		if v > createTarget {
			missed = append(missed, at)
		}
	}
	if len(missed) > 0 {
		return fmt.Sprintf("**Target:** at most %.1f requests per created database with sharing on. **Missed** in %d of %d "+
			"cases: %s. N + 4·S stays within it only from %.0f databases per server up.\n", createTarget, len(missed),
			len(r.creates), strings.Join(missed, "; "), 4/(createTarget-1))
	}
	return fmt.Sprintf("**Target:** at most %.1f requests per created database with sharing on. **Held** in all %d cases: %s.\n",
		createTarget, len(r.creates), strings.Join(per, "; "))
}

// createFindings states what the create tables show, computed from them.
func (r *report) createFindings() string {
	if len(r.creates) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("What they show:\n\n")
	var off []string
	refusedOn, refusedOff, other := 0, 0, 0
	for _, c := range r.creates {
		if c.shared.total-c.shared.throttled != c.expected() {
			off = append(off, fmt.Sprintf("N=%d S=%d made %d, %d of them refused, where N + 4·S is %d",
				c.databases, c.servers, c.shared.total, c.shared.throttled, c.expected()))
		}
		refusedOn += c.shared.throttled
		refusedOff += c.unshared.throttled
		other += c.shared.other + c.unshared.other
	}
	if len(off) == 0 {
		fmt.Fprintf(&b, "- With sharing, the requests the panel answered are exactly N + 4·S in all %d cases: one create "+
			"per database, and per server one read and one list in the plan's provider process and again in the "+
			"apply's. Refused requests, which the client sends again, come on top.\n", len(r.creates))
	} else {
		fmt.Fprintf(&b, "- With sharing, the requests the panel answered differ from N + 4·S: %s.\n", strings.Join(off, "; "))
	}
	var without []string
	replannedInApply := true
	for _, c := range r.creates {
		n, pl, a := c.databases, c.unshared.plan, c.unshared.apply()
		without = append(without, fmt.Sprintf("%.2f at N=%d over S=%d, %s as many as with sharing (server reads, "+
			"lists and creates per database: %s, %s, %s in the plan; %s, %s, %s in the apply)",
			c.unshared.perDatabase(n), n, c.servers, ratio(float64(c.shared.total), float64(c.unshared.total)),
			each(pl.getServer, n), each(pl.lists, n), each(pl.creates, n), each(a.getServer, n), each(a.lists, n), each(a.creates, n)))
		replannedInApply = replannedInApply && pl.getServer >= n && pl.lists >= n && a.getServer >= n && a.lists >= 2*n
	}
	fmt.Fprintf(&b, "- Without sharing, requests per created database are %s.", strings.Join(without, "; "))
	if replannedInApply {
		b.WriteString(" The apply costs about twice what the plan does because Terraform plans each resource again in " +
			"the apply's provider process before creating it: without sharing that plan reads the server and lists " +
			"its databases, and the create lists them once more for its own name check.")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "- Requests refused with 429 over all create cases: %d with sharing, %d without.", refusedOn, refusedOff)
	if refusedOn+refusedOff > 0 {
		fmt.Fprintf(&b, " A command that needs more requests than the %s panel allows a key in a minute waits for the "+
			"next window: the client paces its requests to the window and finds where each one ends by one refused "+
			"request, then waits as the panel's `Retry-After` says.", r.flavor)
	}
	b.WriteString("\n")
	big := r.creates[len(r.creates)-1]
	fmt.Fprintf(&b, "- N=%d over S=%d: %s with sharing, %s without (%s as long).", big.databases, big.servers,
		minsecs(big.shared.wall), minsecs(big.unshared.wall), ratio(big.shared.wall.Seconds(), big.unshared.wall.Seconds()))
	if limit := big.shared.limit; limit > 0 && big.unshared.total > limit {
		windows := func(n int) int { return (n + limit - 1) / limit }
		fmt.Fprintf(&b, " At the panel's %d requests a minute per key, %d requests span at least %d rate-limit windows "+
			"and %d span at least %d, so the first command cannot finish in less than %s and the second in "+
			"less than %s: waiting for windows, not the panel's work, sets these times.", limit,
			big.shared.total, windows(big.shared.total), big.unshared.total, windows(big.unshared.total),
			minutes(windows(big.shared.total)-1), minutes(windows(big.unshared.total)-1))
	}
	b.WriteString("\n")
	if other > 0 {
		fmt.Fprintf(&b, "- %d requests went to other routes than server reads, lists and creates.\n", other)
	}
	return b.String()
}

// wrap breaks text into lines of at most width characters, between words.
func wrap(text string, width int) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(text) {
		n := utf8.RuneCountInString(w)
		switch {
		case i == 0:
		case line+1+n > width:
			b.WriteString("\n")
			line = 0
		default:
			b.WriteString(" ")
			line++
		}
		b.WriteString(w)
		line += n
	}
	return b.String()
}

// each is count/n per database, to two decimals at most.
func each(count, n int) string {
	return strconv.FormatFloat(math.Round(float64(count)/float64(n)*100)/100, 'f', -1, 64)
}

func minutes(n int) string {
	if n == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

// minsecs is a duration as seconds, or minutes and seconds from a minute up.
func minsecs(d time.Duration) string {
	if d < time.Minute {
		return secs(d)
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// createSetup describes the create runs' parallelism and timeout, for the prose.
func (r *report) createSetup() string {
	par := fmt.Sprintf("`-parallelism=%d`", r.create.parallelism)
	if r.create.parallelism == 10 {
		par = "Terraform's default parallelism of 10, which is what users get"
	}
	timeout := "The configuration keeps the provider's default create timeout (10m)."
	if r.create.timeout != "" {
		timeout = fmt.Sprintf("The configuration sets `timeouts { create = %q }`: a create's clock runs while it waits "+
			"for the creates ahead of it on its server and for the next rate-limit window, and the runs without "+
			"sharing are paced by the panel's limit over minutes, so the default of 10m could cut them.", r.create.timeout)
	}
	return wrap(fmt.Sprintf("The apply runs with %s. %s With sharing, the expected cost is N + 4·S requests: N creates, "+
		"and per server one read and one list in each of the two processes.", par, timeout), 96)
}
