//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// command is one Terraform command to run under the watchdog.
type command struct {
	dir   string   // the configuration's directory (-chdir)
	name  string   // file name stem for its output and log, e.g. "c2-apply-create"
	args  []string // after -chdir
	env   []string // on top of the CLI's
	bound time.Duration
	panel *recordedPanel
}

// outcome is what running a command gave.
type outcome struct {
	took     time.Duration
	exit     int  // -1 when it did not exit by itself
	tripped  bool // the watchdog stopped it
	maxQuiet time.Duration
	requests []request // what the panel answered meanwhile
	output   string    // path of the file holding its stdout and stderr
	panelLog string    // path of the file listing the panel's requests meanwhile
	tfLog    string    // path of its TF_LOG file, "" without one
	report   string    // the watchdog's report, when it tripped
}

// lines keeps a command's output: every line goes to a file as it comes, the last ones stay
// in memory for a report, and the longest silence between lines is measured.
type lines struct {
	mu       sync.Mutex
	file     *os.File
	tail     []string
	keep     int
	last     time.Time
	maxQuiet time.Duration
}

func (l *lines) add(prefix, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.maxQuiet = max(l.maxQuiet, now.Sub(l.last))
	l.last = now
	stamped := now.Format("15:04:05.000") + " " + prefix + line
	_, _ = l.file.WriteString(stamped + "\n")
	l.tail = append(l.tail, stamped)
	if len(l.tail) > l.keep {
		l.tail = l.tail[len(l.tail)-l.keep:]
	}
}

// snapshot returns the last lines, how long ago the last one came, and the longest silence
// so far, counting the current one.
func (l *lines) snapshot() (tail []string, quiet, longest time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	quiet = time.Since(l.last)
	return append([]string(nil), l.tail...), quiet, max(l.maxQuiet, quiet)
}

// read copies r into l line by line until EOF. It never stops reading before EOF, so the
// command can never block on a full pipe: a pipe nobody empties stops Terraform the moment
// its buffer (64 KiB on Linux) is full, at its next write of output or of log.
func (l *lines) read(r io.Reader, prefix string, done *sync.WaitGroup) {
	defer done.Done()
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			l.add(prefix, strings.TrimRight(line, "\r\n"))
		}
		if err != nil {
			return
		}
	}
}

// run runs c and waits for it, or for the watchdog, which stops it at c.bound. stdout and
// stderr are read continuously by two goroutines of their own.
func (t *cli) run(ctx context.Context, o options, c command) (outcome, error) {
	res := outcome{exit: -1, output: filepath.Join(c.dir, c.name+".out")}
	f, err := os.Create(res.output)
	if err != nil {
		return res, err
	}
	defer func() { _ = f.Close() }()
	out := &lines{file: f, keep: max(o.tail, 1), last: time.Now()}

	args := append([]string{"-chdir=" + c.dir}, c.args...)
	cmd := exec.Command(t.bin, args...) //nolint:gosec,noctx // the CLI named by -terraform; the watchdog, not a context, ends it
	cmd.Env = append(append([]string{}, t.env...), c.env...)
	if o.tfLog != "" {
		res.tfLog = filepath.Join(c.dir, c.name+".tflog")
		_ = os.Remove(res.tfLog)
		cmd.Env = append(cmd.Env, "TF_LOG="+o.tfLog, "TF_LOG_PATH="+res.tfLog)
	}
	// A process group of its own: the watchdog stops Terraform and its provider processes
	// together, and nothing of the soak's is hit.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return res, err
	}
	mark := c.panel.mark()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, err
	}
	var reading sync.WaitGroup
	reading.Add(2)
	go out.read(stdout, "", &reading)
	go out.read(stderr, "stderr: ", &reading)
	exited := make(chan error, 1)
	go func() {
		// Wait closes the pipes, so it must come after the readers have seen EOF.
		reading.Wait()
		exited <- cmd.Wait()
	}()

	shown := strings.Join(append([]string{filepath.Base(t.bin)}, c.args...), " ")
	var waitErr error
	select {
	case waitErr = <-exited:
	case <-time.After(c.bound):
		res.tripped = true
		res.report = t.trip(o, c, shown, start, out, mark, res)
		fmt.Print(res.report)
		stopGroup(cmd.Process.Pid)
		select {
		case waitErr = <-exited:
		case <-time.After(30 * time.Second):
			waitErr = errors.New("still not gone 30 s after SIGKILL")
		}
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		waitErr = <-exited
	}
	res.took = time.Since(start)
	_, _, res.maxQuiet = out.snapshot()
	res.requests = c.panel.since(mark)
	res.panelLog = filepath.Join(c.dir, c.name+".panel")
	var log strings.Builder
	for _, r := range res.requests {
		log.WriteString(r.String() + "\n")
	}
	if err := os.WriteFile(res.panelLog, []byte(log.String()), 0o600); err != nil {
		return res, err
	}
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
		res.exit = 0
	case errors.As(waitErr, &exitErr) && exitErr.Exited():
		res.exit = exitErr.ExitCode()
	}
	if res.tripped {
		return res, fmt.Errorf("%s: stopped by the watchdog after %s (bound %s)", shown, res.took.Round(time.Second), c.bound)
	}
	return res, nil
}

// trip writes the watchdog's report on a command that ran past its bound.
func (t *cli) trip(o options, c command, shown string, start time.Time, out *lines, mark int, res outcome) string {
	var b strings.Builder
	tail, quiet, _ := out.snapshot()
	fmt.Fprintf(&b, "\n!! WATCHDOG: %s has run %s, past its bound of %s\n", shown, time.Since(start).Round(time.Millisecond), c.bound)
	fmt.Fprintf(&b, "!!   directory %s, panel %s (%s)\n", c.dir, c.panel.url, c.panel.flavor)
	fmt.Fprintf(&b, "!!   last output %s ago; its last %d line(s) (all in %s):\n", quiet.Round(time.Millisecond), len(tail), res.output)
	for _, l := range tail {
		fmt.Fprintf(&b, "!!     %s\n", l)
	}
	reqs := c.panel.since(mark)
	total, throttled := counts(reqs)
	fmt.Fprintf(&b, "!!   the panel answered %d request(s) meanwhile, %d of them 429; the last ones:\n", total, throttled)
	for _, r := range reqs[max(0, len(reqs)-o.tail):] {
		fmt.Fprintf(&b, "!!     %s\n", r)
	}
	if res.tfLog != "" {
		pl := providerLines(res.tfLog, o.tail)
		fmt.Fprintf(&b, "!!   the provider's last %d log line(s) in %s:\n", len(pl), res.tfLog)
		for _, l := range pl {
			fmt.Fprintf(&b, "!!     %s\n", l)
		}
	}
	fmt.Fprintf(&b, "!!   sending SIGQUIT to the provider and to Terraform for their goroutine stacks (into the output and TF_LOG files), then SIGKILL\n")
	return b.String()
}

// providerLines returns the last n lines of a TF_LOG file that come from the provider's
// panel client (module pterodactyl.panel: one line per request, wait and retry), shortened to
// their time, level, message and telling fields; or the provider's last lines of any kind
// when there are none (its goroutine stacks, for one).
func providerLines(path string, n int) []string {
	data, err := os.ReadFile(path) //nolint:gosec // the soak's own log file
	if err != nil {
		return []string{"(cannot read it: " + err.Error() + ")"}
	}
	var panelLines, provider []string
	for line := range bytes.Lines(data) {
		s := strings.TrimRight(string(line), "\n")
		if !strings.Contains(s, "provider.terraform-provider-pterodactyl") {
			continue
		}
		if strings.Contains(s, "@module=pterodactyl.panel") {
			panelLines = append(panelLines, shorten(s))
			continue
		}
		if len(s) > 300 {
			s = s[:300] + "…"
		}
		provider = append(provider, s)
	}
	if len(panelLines) > 0 {
		provider = panelLines
	}
	return provider[max(0, len(provider)-n):]
}

// shownFields are the fields of the panel client's log lines a report keeps, in this order.
var shownFields = []string{"operation", "method", "path", "status", "duration_ms", "wait_ms", "limit_scope", "limit", "attempt", "error"}

// shorten turns `<time> [LEVEL] provider.…: <message>: k=v k="v v" …` into
// `<time> LEVEL <message> k=v …` with only shownFields.
func shorten(line string) string {
	ts, rest, _ := strings.Cut(line, " ")
	level := ""
	if i := strings.Index(rest, "]"); strings.HasPrefix(rest, "[") && i > 0 {
		level, rest = rest[1:i], strings.TrimSpace(rest[i+1:])
	}
	_, rest, _ = strings.Cut(rest, ": ") // the provider's name
	msg, fields, _ := strings.Cut(rest, ": ")
	kv := map[string]string{}
	for fields != "" {
		fields = strings.TrimLeft(fields, " ")
		k, v, ok := strings.Cut(fields, "=")
		if !ok {
			break
		}
		if strings.HasPrefix(v, `"`) {
			end := 1
			for end < len(v) && (v[end] != '"' || v[end-1] == '\\') {
				end++
			}
			kv[k], fields = v[:min(end+1, len(v))], v[min(end+1, len(v)):]
			continue
		}
		val, more, _ := strings.Cut(v, " ")
		kv[k], fields = val, more
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-5s %s", ts, level, msg)
	for _, k := range shownFields {
		if v, ok := kv[k]; ok {
			if len(v) > 200 {
				v = v[:200] + "…"
			}
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	return b.String()
}

// stopGroup asks the provider processes and then Terraform for goroutine stacks (Go programs
// print them on SIGQUIT), giving Terraform time to log the provider's, then kills the group.
func stopGroup(pid int) {
	for _, child := range children(pid) {
		_ = syscall.Kill(child, syscall.SIGQUIT)
	}
	time.Sleep(2 * time.Second)
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	time.Sleep(3 * time.Second)
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// children lists the processes whose parent is pid, from /proc; none where there is no /proc.
func children(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so read after its closing parenthesis.
		s := string(stat)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == strconv.Itoa(pid) {
				out = append(out, child)
			}
		}
	}
	return out
}
