package panel

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// fakeClock is shared by the panel's rate-limit windows and the client's waits, so a wait
// the panel asks for passes at once.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// advanceTo is the client's wait for a moment: parallel waiters for the same window end move
// the clock there once between them.
func (c *fakeClock) advanceTo(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	c.mu.Unlock()
	return ctx.Err()
}

// pacedPanel starts a panel and a client that share a fake clock.
func pacedPanel(t *testing.T, opts paneltest.Options, servers int) (*paneltest.Panel, []paneltest.Server, *Client, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	opts.Now = clock.Now
	p := paneltest.Start(t, opts)
	perms := map[string][]string{}
	var srvs []paneltest.Server
	for range servers {
		s := p.AddServer(paneltest.Server{})
		srvs = append(srvs, s)
		perms[s.Identifier] = []string{"*"}
	}
	c, err := New(Config{URL: p.URL(), APIKey: p.AddKey(paneltest.Key{Servers: perms})})
	if err != nil {
		t.Fatal(err)
	}
	c.sleep, c.now, c.until = clock.sleep, clock.Now, clock.advanceTo
	return p, srvs, c, clock
}

// runAll runs n calls at once, as Terraform's parallelism sends them, and fails t on errors.
func runAll(t *testing.T, n int, call func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if err := call(i); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Pelican allows two creates a minute per server. Ten creates at once, as Terraform's default
// parallelism sends them, must all succeed at the panel's pace, and the retry wait limit must
// not cut them short.
func TestCreatesOnOneServerFollowPelicansThrottle(t *testing.T) {
	p, srvs, c, clock := pacedPanel(t, paneltest.Options{Flavor: paneltest.Pelican}, 1)
	srv := srvs[0]
	start := clock.Now()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	runAll(t, 10, func(i int) error {
		_, err := c.CreateDatabase(ctx, srv.Identifier, CreateDatabaseInput{Name: fmt.Sprintf("db%02d", i), Remote: "%"})
		return err
	})
	if n := len(p.Databases(srv.Identifier)); n != 10 {
		t.Fatalf("panel holds %d databases, want 10", n)
	}
	// The first refused create tells the limit and where its window ends; from then on the
	// client counts its creates and waits out each window itself, so nothing else is refused.
	if wasted := p.Requests(paneltest.RouteCreateDatabase) - 10; wasted > 1 {
		t.Fatalf("%d create requests refused for 10 databases, want at most 1", wasted)
	}
	// Two a minute: the last two go in the fifth window, four minutes (and a margin a
	// window) after the first.
	if took := clock.Now().Sub(start); took < 4*time.Minute || took > 5*time.Minute {
		t.Fatalf("10 creates took %s of panel time, want between 4 and 5 minutes", took)
	}
}

// Creates on different servers have windows of their own: one server's full window does not
// hold back another's creates.
func TestCreateWindowsArePerServer(t *testing.T) {
	p, srvs, c, _ := pacedPanel(t, paneltest.Options{Flavor: paneltest.Pelican}, 2)
	var waits []time.Time
	var mu sync.Mutex
	c.until = func(ctx context.Context, t time.Time) error {
		mu.Lock()
		waits = append(waits, t)
		mu.Unlock()
		return ctx.Err()
	}
	// Fill server A's window and learn it: the third create is refused and waits it out.
	for i := range 3 {
		if _, err := c.CreateDatabase(t.Context(), srvs[0].Identifier, CreateDatabaseInput{Name: fmt.Sprintf("dba%d", i), Remote: "%"}); err != nil {
			t.Fatal(err)
		}
	}
	before := len(waits)
	for i := range 2 {
		if _, err := c.CreateDatabase(t.Context(), srvs[1].Identifier, CreateDatabaseInput{Name: fmt.Sprintf("dbb%d", i), Remote: "%"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(waits) != before {
		t.Fatalf("creates on server B waited for a window: %v", waits[before:])
	}
	if n := p.Requests(paneltest.RouteCreateDatabase); n != 6 {
		t.Fatalf("%d create requests, want 6: five creates and the one refusal on A", n)
	}
}

// Parallel reads past the client API limit: when the window is used up, one request finds
// where it ends and the others wait for it, instead of each being refused.
func TestParallelReadsFollowTheClientLimit(t *testing.T) {
	const limit, reads = 10, 45
	p, srvs, c, clock := pacedPanel(t, paneltest.Options{Flavor: paneltest.Pterodactyl, RateLimit: limit}, 1)
	c.record.off = true // every read is a request of its own here
	start := clock.Now()
	runAll(t, reads, func(int) error {
		_, err := c.ListDatabases(t.Context(), srvs[0].Identifier, true)
		return err
	})
	windows := (reads + limit - 1) / limit
	got := p.Requests(paneltest.RouteListDatabases)
	if wasted := got - reads; wasted > windows {
		t.Fatalf("%d list requests for %d reads: %d refused, want at most one per window (%d)", got, reads, wasted, windows)
	}
	if took := clock.Now().Sub(start); took < time.Duration(windows-1)*time.Minute {
		t.Fatalf("%d reads at %d a minute took %s of panel time: requests went faster than the panel allows", reads, limit, took)
	}
}

// The client API limit's 429 on a create is not taken for a create limit: the create waits for
// the client API window and its server's creates stay uncounted.
func TestClientLimitOnCreateIsNotACreateLimit(t *testing.T) {
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "720")
		if r.Method == http.MethodPost {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("Retry-After", "30")
			writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
			return
		}
		w.Header().Set("X-RateLimit-Remaining", "5")
		writeJSON(w, 200, listBody)
	}, func(cfg *Config) { cfg.MaxRetries = -1 })
	_, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "db", Remote: "%"})
	if !IsRateLimited(err) {
		t.Fatalf("error = %v, want rate limited", err)
	}
	c.pace[clientAPI].mu.Lock()
	defer c.pace[clientAPI].mu.Unlock()
	if w := c.pace[clientAPI].creates["1a7ce997"]; w == nil || w.limit != 0 || w.left != -1 {
		t.Fatalf("create window = %+v, want it unknown", w)
	}
	if g := c.pace[clientAPI].general; g.limit != 720 || g.left != 0 || g.resetAt.IsZero() {
		t.Fatalf("client window = %+v, want 720 with none left until a known end", g)
	}
}

// An answer without rate-limit headers (a proxy, an old panel) paces nothing.
func TestNoHeadersNoPacing(t *testing.T) {
	c, rec, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, listBody)
	}, nil)
	DisableSharing(c)
	for range 20 {
		if _, err := c.ListDatabases(t.Context(), "1a7ce997", false); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.waits) != 0 {
		t.Fatalf("waits = %v, want none", rec.waits)
	}
}

// rateHeaders are the X-RateLimit headers of an answer; a 429 also gets Retry-After.
func rateHeaders(limit, left int, retryAfter time.Duration) http.Header {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", fmt.Sprint(limit))
	h.Set("X-RateLimit-Remaining", fmt.Sprint(left))
	if retryAfter > 0 {
		h.Set("Retry-After", fmt.Sprint(int(retryAfter.Seconds())))
	}
	return h
}

// pacerClient is a client whose pacer is driven by hand: tickets from admit, answers to
// observe, on a fake clock.
func pacerClient(t *testing.T) (*Client, *fakeClock) {
	t.Helper()
	c, err := New(Config{URL: "http://127.0.0.1:1", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	c.sleep, c.now, c.until = clock.sleep, clock.Now, clock.advanceTo
	return c, clock
}

func admitted(t *testing.T, c *Client, cl call) *ticket {
	t.Helper()
	tk, err := c.admit(t.Context(), cl)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// An answer to a request sent in a window that has ended since says nothing about the new
// window: its low count must not hold the new window's requests back.
func TestAnswersFromAnEndedWindowAreIgnored(t *testing.T) {
	c, clock := pacerClient(t)
	list := call{op: "list"}
	c.observe(admitted(t, c, list), 200, rateHeaders(10, 5, 0))
	slow := admitted(t, c, list) // its answer comes late
	refused := admitted(t, c, list)
	c.observe(refused, 429, rateHeaders(10, 0, 30*time.Second))
	if err := clock.advanceTo(t.Context(), clock.Now().Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	next := admitted(t, c, list) // the first of the new window
	c.observe(slow, 200, rateHeaders(10, 0, 0))
	if left := c.pace[clientAPI].general.left; left != 10 {
		t.Fatalf("left = %d after a late answer from the ended window, want the new window's 10", left)
	}
	c.observe(next, 200, rateHeaders(10, 9, 0))
	if left := c.pace[clientAPI].general.left; left != 9 {
		t.Fatalf("left = %d, want 9 from the new window's own answer", left)
	}
}

// Within a window the count only falls, since answers arrive out of order; but a request
// that was alone in flight sees the truth, and a higher count from it means the window ended
// unseen and a new one began.
func TestALoneRequestMayRaiseTheCount(t *testing.T) {
	c, _ := pacerClient(t)
	list := call{op: "list"}
	c.observe(admitted(t, c, list), 200, rateHeaders(10, 5, 0))
	a, b := admitted(t, c, list), admitted(t, c, list)
	c.observe(a, 200, rateHeaders(10, 1, 0))
	c.observe(b, 200, rateHeaders(10, 2, 0)) // older news, out of order
	if left := c.pace[clientAPI].general.left; left != 1 {
		t.Fatalf("left = %d, want 1: the count only falls while requests overlap", left)
	}
	c.observe(admitted(t, c, list), 200, rateHeaders(10, 9, 0))
	if left := c.pace[clientAPI].general.left; left != 9 {
		t.Fatalf("left = %d after a lone request's answer of 9, want 9", left)
	}
}

// A create refused by the client API limit was not counted by the server's create limit, so
// its slot is given back.
func TestCreateSlotIsRefundedAfterAClientLimit429(t *testing.T) {
	c, _ := pacerClient(t)
	c.observe(admitted(t, c, call{op: "list"}), 200, rateHeaders(720, 700, 0))
	w := c.pace[clientAPI].window("1a7ce997")
	w.limit, w.left = 2, 2
	create := call{op: "create", createOn: "1a7ce997"}
	tk := admitted(t, c, create)
	if w.left != 1 {
		t.Fatalf("left = %d after admitting a create, want 1", w.left)
	}
	c.observe(tk, 429, rateHeaders(720, 0, 30*time.Second))
	if w.left != 2 {
		t.Fatalf("create slots left = %d after the client API limit refused the create, want 2", w.left)
	}
}

// The client works out a create window's end itself, from when its first create was sent; the
// panel opens the window when that request arrives, a little later, and counts in whole
// seconds. So the wait runs a second past the period.
func TestWorkedOutCreateWindowsArePadded(t *testing.T) {
	c, clock := pacerClient(t)
	var waitedUntil []time.Time
	c.until = func(ctx context.Context, t time.Time) error {
		waitedUntil = append(waitedUntil, t)
		return clock.advanceTo(ctx, t)
	}
	w := c.pace[clientAPI].window("1a7ce997")
	w.limit, w.left = 2, 2
	start := clock.Now()
	create := call{op: "create", createOn: "1a7ce997", untilDeadline: true}
	for range 3 {
		c.observe(admitted(t, c, create), 200, nil)
	}
	want := start.Add(61 * time.Second)
	if len(waitedUntil) != 1 || !waitedUntil[0].Equal(want) {
		t.Fatalf("the third create waited until %v, want once, until %v (a minute and a second after the first)", waitedUntil, want)
	}
}
