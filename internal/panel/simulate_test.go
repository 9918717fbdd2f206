package panel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// The simulation: clients standing for two provider processes with one API key, and a person
// working in the panel, run random operations on a few servers with a few names, so that they
// collide, while random faults hit the panel's answers. Invariants are checked as the run
// goes and at its end. Everything runs in a testing/synctest bubble: the panel is served in
// memory (memTransport), its clock and the client's are the bubble's fake clock, so rate
// windows, deadlines, confirmAfter and retries cost no real time, and a seed replays the same
// operations, faults and waits. Goroutines that are ready at the same fake instant still run
// in the Go scheduler's order, which is not seeded; the operations are spread over fake time
// so that few are.
//
//	go test -run '^TestSimulation$' ./internal/panel/                        a few seeds (make test)
//	SIM_SEEDS=500 go test -run '^TestSimulation$' ./internal/panel/          more (make simulate)
//	SIM_SEED=123 go test -run '^TestSimulation$' -v ./internal/panel/        one seed, with its trace
//	SIM_FOR=10m go test -run '^TestSimulation$' -timeout 0 ./internal/panel/ new seeds for 10 minutes
//
// The invariants, each an error naming the seed:
//
//	I1 a create call makes at most one database (no duplicate).
//	I2 a database a create returns is the one that call made; the only exception is the window
//	   the adoption rule accepts: made by someone else after the name was last seen free, by a
//	   create sent at most adoptWithin after that (databases.go, adoptWithin).
//	I3 every database a create call made is what the call returned, or the call's error is an
//	   *UnconfirmedCreateError for its name (no orphan).
//	I4 a client's own delete is never undone in what it knows: no check and no read that
//	   starts after the delete returned shows the database, nor does the client's record of
//	   the server (its known list, looked at after each of the client's operations); and its
//	   own create is never dropped: every check that starts after the create returned shows it
//	   while it is on the panel. With an application key (a third of the seeds) the reads and
//	   checks are served by sweeps of the server list (sweep.go), made every few seconds: I4
//	   then says that a sweep that read the panel before a write never overrides what the
//	   write recorded.
//	I5 no call outlives its deadline by more than the request timeout and a second (the last
//	   lookup of an unanswered create runs past the deadline, bounded by the request timeout).
//	I6 requests stay within simMaxRequestsPerOp per operation, and no call sends more than
//	   simMaxRequestsPerCall.

const (
	simServers          = 2
	simWorkers          = 3 // operations one client runs at once, as Terraform runs resources in parallel
	simOpsPerWorker     = 10
	simMaxRequestsPerOp = 20
	// simMaxRequestsPerCall bounds one call: its attempts (1 + MaxRetries, and up to
	// maxThrottledRetries more for 429s), and for an unanswered create the lookups, about a
	// dozen at growing intervals within a deadline of at most two minutes, with theirs.
	simMaxRequestsPerCall = 80
	simRequestTimeout     = 10 * time.Second
)

var simNames = []string{"app", "world", "logs"}

func TestSimulation(t *testing.T) {
	seeds := simSeeds(t)
	for _, seed := range seeds {
		if failed := runSimulation(t, seed, len(seeds) == 1); failed {
			t.Errorf("replay with: make simulate SEED=%d", seed)
			if len(seeds) > 1 {
				return
			}
		}
	}
}

// simSeeds reads SIM_SEED (one seed), SIM_SEEDS (how many, from a random start) and SIM_FOR
// (new seeds for as long as it says); by default a few fixed seeds, so make test replays
// the same runs every time.
func simSeeds(t *testing.T) []uint64 {
	if s := os.Getenv("SIM_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SIM_SEED=%q: %v", s, err)
		}
		return []uint64{seed}
	}
	n, start := 12, uint64(1)
	if s := os.Getenv("SIM_SEEDS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("SIM_SEEDS=%q: want a count", s)
		}
		start = rand.Uint64() % 1_000_000_000
	}
	if s := os.Getenv("SIM_FROM"); s != "" {
		var err error
		if start, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("SIM_FROM=%q: %v", s, err)
		}
	}
	if s := os.Getenv("SIM_FOR"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("SIM_FOR=%q: %v", s, err)
		}
		start = rand.Uint64() % 1_000_000_000
		var seeds []uint64
		deadline := time.Now().Add(d)
		for seed := start; time.Now().Before(deadline); seed++ {
			if runSimulation(t, seed, false) {
				t.Errorf("replay with: make simulate SEED=%d", seed)
				return nil
			}
			seeds = append(seeds, seed)
		}
		t.Logf("%d seeds from %d, none broke an invariant", len(seeds), start)
		return nil
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = start + uint64(i)
	}
	t.Logf("seeds %d to %d", seeds[0], seeds[len(seeds)-1])
	return seeds
}

// runSimulation runs one seed in a bubble of its own and reports whether an invariant broke.
func runSimulation(t *testing.T, seed uint64, verbose bool) (failed bool) {
	t.Helper()
	t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			w := newSimWorld(t, seed, verbose)
			w.run()
			w.finish()
		})
		failed = t.Failed()
	})
	return failed
}

// simCallKey tags a call's context with its name; memTransport sends it as the User-Agent,
// which the panel records as the creator of what the call makes.
type simCallKey struct{}

// memTransport serves the panel in memory: the handler runs in a goroutine of the bubble with
// the request's context, as a server would, and a client that gives up gets its context's
// error while the handler goes on. It fires the trace hooks the client reads to tell whether
// a request was sent.
type memTransport struct {
	h    http.Handler
	sent func(tag string, create bool) // called as each request of a tagged call is sent
	// delay, when set, is how long a request takes to reach the panel, and its answer to come
	// back: a list can then read its rows before a write and land after it, as on a network.
	delay func() (there, back time.Duration)
	// handling counts the requests still on their way, which may outlive their callers.
	handling *sync.WaitGroup
}

func (m memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(req.URL.Host)
	}
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
	}
	if trace != nil && trace.WroteHeaders != nil {
		trace.WroteHeaders()
	}
	in := req.Clone(ctx)
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.RequestURI, in.RemoteAddr, in.Host = req.URL.RequestURI(), "127.0.0.1:50000", req.URL.Host
	if tag, ok := ctx.Value(simCallKey{}).(string); ok {
		in.Header.Set("User-Agent", tag)
		if m.sent != nil {
			m.sent(tag, req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/databases"))
		}
	}
	var there, back time.Duration
	if m.delay != nil {
		there, back = m.delay()
	}
	rec := httptest.NewRecorder()
	done := make(chan any, 1)
	m.handling.Add(1)
	go func() {
		defer m.handling.Done()
		defer func() { done <- recover() }()
		time.Sleep(there)
		m.h.ServeHTTP(rec, in)
		time.Sleep(back)
	}()
	select {
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case p := <-done:
		// A handler that returned because the client gave up wrote nothing: the client
		// sees its own context's end, not an empty answer.
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			return nil, io.EOF // the panel dropped the connection
		}
		if p != nil {
			panic(p)
		}
	}
	res := rec.Result()
	res.Request = req
	return res, nil
}

type simWorld struct {
	t       *testing.T
	seed    uint64
	verbose bool
	p       *paneltest.Panel
	servers []string
	clients []*simClient
	start   time.Time
	// app is set when the clients hold an application key: ids are the panel's numeric ones.
	app bool
	// handling counts the requests on their way to or from the panel.
	handling sync.WaitGroup

	mu       sync.Mutex
	calls    map[string]*simCall  // by tag
	sentAt   map[string]time.Time // by tag: when the call's last create request was sent
	requests map[string]int       // by tag: the requests the call sent
	ops      int
	deleted  map[string]time.Time // database id → when it left the panel, by anyone
	deleters map[string]string    // database id → who deleted it: a client, or "person"
	adopted  map[string]simAdoption
}

// simAdoption is what a client logged when it took a database found after an unanswered
// create as that create's own.
type simAdoption struct{ seenFree, sent time.Time }

type simClient struct {
	name  string
	index uint64
	c     *Client
	mine  map[string]string    // database id → server, as its creates returned them
	when  map[string]time.Time // database id → when its create returned
	order []string             // the ids of mine, in the order the creates returned them
}

// simWorker is one of a client's parallel workers, with a random source of its own.
type simWorker struct {
	*simClient
	rng *rand.Rand
}

// simCall is one create: what it returned.
type simCall struct {
	client      string
	server      string
	name        string
	returned    string // the database id, "" when it failed
	unconfirmed bool
}

func newSimWorld(t *testing.T, seed uint64, verbose bool) *simWorld {
	rng := rand.New(rand.NewPCG(seed, 0))
	flavor := paneltest.Pterodactyl
	if rng.IntN(2) == 1 {
		flavor = paneltest.Pelican
	}
	createLimit := -1 // no create throttle, or Pelican's and Pterodactyl 1.12's two a minute
	if rng.IntN(3) == 0 {
		createLimit = 0
	}
	// A third of the seeds use an application key, whose reads are sweeps of the server list
	// (sweep.go); drawn from a source of its own, so that the other draws stay as they were.
	app := rand.New(rand.NewPCG(seed, 70)).IntN(3) == 0
	p := paneltest.New(paneltest.Options{Flavor: flavor, CreateRateLimit: createLimit, DatabaseHosts: 1})
	w := &simWorld{t: t, seed: seed, verbose: verbose, p: p, start: time.Now(), app: app,
		calls: map[string]*simCall{}, sentAt: map[string]time.Time{}, requests: map[string]int{}, deleted: map[string]time.Time{}, deleters: map[string]string{},
		adopted: map[string]simAdoption{}}
	perms := map[string][]string{}
	for i := range simServers {
		s := p.AddServer(paneltest.Server{InternalID: 10 + i})
		w.servers = append(w.servers, s.Identifier)
		perms[s.Identifier] = []string{"*"}
	}
	key := p.AddKey(paneltest.Key{Servers: perms, Application: app})
	for i := range uint64(2) {
		name := fmt.Sprintf("client%d", i+1)
		jitter := rand.New(rand.NewPCG(seed, 100+i))
		c, err := New(Config{
			URL: "http://panel.invalid", APIKey: key, UserAgent: name,
			HTTPClient: &http.Client{Transport: memTransport{h: p.Handler(), handling: &w.handling, delay: w.network(seed, 200+i), sent: func(tag string, create bool) {
				w.mu.Lock()
				defer w.mu.Unlock()
				w.requests[tag]++
				if create {
					w.sentAt[tag] = time.Now()
				}
			}}},
			RequestTimeout: simRequestTimeout, MaxRetries: 3, MaxRetryWait: time.Minute,
			Logger: simLogger{w: w, client: name},
		})
		if err != nil {
			t.Fatal(err)
		}
		if app {
			// Held answers, and so sweeps, last seconds rather than a minute: a run then sees
			// many sweeps, and writes that land while one is in flight.
			c.record.ttl = 3 * time.Second
		}
		var jmu sync.Mutex // the client's workers retry at once
		c.jitter = func(d time.Duration) time.Duration {
			jmu.Lock()
			defer jmu.Unlock()
			return time.Duration(jitter.Int64N(int64(d)))
		}
		w.clients = append(w.clients, &simClient{name: name, index: i, c: c, mine: map[string]string{}, when: map[string]time.Time{}})
	}
	w.logf("seed %d: %s, creates throttled: %t, application key: %t", seed, flavor, createLimit == 0, app)
	return w
}

// network returns the delays of one client's requests: up to 300ms to the panel, up to 1.5s
// back, from a source of its own.
func (w *simWorld) network(seed, stream uint64) func() (time.Duration, time.Duration) {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, stream))
	return func() (time.Duration, time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		return time.Duration(rng.IntN(300)) * time.Millisecond, time.Duration(rng.IntN(1500)) * time.Millisecond
	}
}

func (w *simWorld) logf(format string, args ...any) {
	if w.verbose {
		w.t.Logf("%8s "+format, append([]any{time.Since(w.start).Round(time.Millisecond)}, args...)...)
	}
}

// violate reports a broken invariant; w.mu may be held.
func (w *simWorld) violate(format string, args ...any) {
	w.t.Errorf("seed %d at %s: "+format, append([]any{w.seed, time.Since(w.start).Round(time.Millisecond)}, args...)...)
}

// simLogger hands the client's adoption log lines to the world, which I2 needs.
type simLogger struct {
	w      *simWorld
	client string
}

func (l simLogger) Debug(context.Context, string, map[string]any) {}
func (l simLogger) Info(context.Context, string, map[string]any)  {}
func (l simLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	if id, ok := fields["database_id"].(string); ok && strings.HasPrefix(msg, "an unanswered create was applied") {
		seen, _ := fields["name_seen_free_at"].(time.Time)
		sent, _ := fields["sent_at"].(time.Time)
		l.w.mu.Lock()
		l.w.adopted[id] = simAdoption{seenFree: seen, sent: sent}
		l.w.mu.Unlock()
	}
}

// run runs the clients, the person in the panel and the faults until every client has done
// its operations.
func (w *simWorld) run() {
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, c := range w.clients {
		wg.Go(func() { w.client(c) })
	}
	var bg sync.WaitGroup
	bg.Go(func() { w.person(stop) })
	bg.Go(func() { w.faults(stop) })
	wg.Wait()
	close(stop)
	bg.Wait()
}

// client runs one client's workers until each has done its operations.
func (w *simWorld) client(sc *simClient) {
	var wg sync.WaitGroup
	for i := range uint64(simWorkers) {
		wk := &simWorker{simClient: sc, rng: rand.New(rand.NewPCG(w.seed, 10*(sc.index+1)+i))}
		wg.Go(func() { w.worker(wk, i) })
	}
	wg.Wait()
}

// worker runs operations, each after a random pause.
func (w *simWorld) worker(sc *simWorker, n uint64) {
	for i := range simOpsPerWorker {
		time.Sleep(time.Duration(sc.rng.IntN(6000)) * time.Millisecond)
		server := w.servers[sc.rng.IntN(len(w.servers))]
		name := simNames[sc.rng.IntN(len(simNames))]
		tag := fmt.Sprintf("%s/w%d/op%02d", sc.name, n, i)
		deadline := time.Duration(20+sc.rng.IntN(100)) * time.Second
		ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), simCallKey{}, tag), deadline)
		started := time.Now()
		switch op := sc.rng.IntN(10); {
		case op < 4:
			w.create(ctx, sc, tag, server, name)
		case op < 6:
			w.check(ctx, sc, tag, server, name, started)
		case op < 8:
			w.remove(ctx, sc, tag)
		case op < 9:
			w.rotate(ctx, sc, tag)
		default:
			w.read(ctx, sc, tag, server, started)
		}
		cancel()
		if took := time.Since(started); took > deadline+simRequestTimeout+time.Second {
			w.violate("I5 %s took %s, past its deadline of %s by more than the request timeout", tag, took, deadline)
		}
		w.mu.Lock()
		w.ops++
		if n := w.requests[tag]; n > simMaxRequestsPerCall {
			w.violate("I6 %s sent %d requests, more than %d", tag, n, simMaxRequestsPerCall)
		}
		w.mu.Unlock()
		w.checkPanel()
		w.checkRecord(sc.simClient, tag)
	}
}

// checkRecord checks I4 on the client's record itself, whether or not a later check reads it:
// no known list holds a database the client deleted. The deletes are taken before the record
// is read: one that another worker records meanwhile may have returned after the read.
func (w *simWorld) checkRecord(sc *simClient, tag string) {
	w.mu.Lock()
	deleted := map[string]time.Time{}
	for id, by := range w.deleters {
		if by == sc.name {
			deleted[id] = w.deleted[id]
		}
	}
	w.mu.Unlock()
	for _, server := range w.servers {
		kl, ok, err := sc.c.record.known(server)
		if !ok || err != nil {
			continue
		}
		for _, db := range kl.dbs {
			if at, ok := deleted[db.ID]; ok {
				w.violate("I4 after %s: %s's record knows %s, which it deleted at %s", tag, sc.name, db.ID, at.Sub(w.start))
			}
		}
	}
}

func (w *simWorld) create(ctx context.Context, sc *simWorker, tag, server, name string) {
	call := &simCall{client: sc.name, server: server, name: name}
	w.mu.Lock()
	w.calls[tag] = call
	w.mu.Unlock()
	in := CreateDatabaseInput{Name: name, Remote: "%"}
	if w.app {
		in.HostID = "1" // the application API must be told the host
	}
	db, err := sc.c.CreateDatabase(ctx, server, in)
	var u *UnconfirmedCreateError
	w.mu.Lock()
	call.unconfirmed = errors.As(err, &u)
	if err == nil {
		call.returned = db.ID
		sc.mine[db.ID] = server
		sc.when[db.ID] = time.Now()
		sc.order = append(sc.order, db.ID)
	}
	w.mu.Unlock()
	w.logf("%s create %s/%s: %s, %v", tag, server, name, idOf(db), err)
	if err != nil {
		return
	}
	// I2: the database returned is the one this call made, or one adopted in the window.
	for _, on := range w.p.Databases(server) {
		if w.idOf(on) != db.ID || on.Creator == tag {
			continue
		}
		// The window is measured to when the create really went out, which the transport saw.
		w.mu.Lock()
		a, ok := w.adopted[db.ID]
		sent := w.sentAt[tag]
		w.mu.Unlock()
		if !ok || !on.Created.After(a.seenFree) || sent.Sub(a.seenFree) > adoptWithin {
			w.violate("I2 %s returned %s, which %q made at %s", tag, db.ID, on.Creator, on.Created.Sub(w.start))
		}
	}
}

func (w *simWorld) check(ctx context.Context, sc *simWorker, tag, server, name string, started time.Time) {
	var dbs []Database
	var err error
	whole := sc.rng.IntN(2) == 0
	if whole {
		dbs, err = sc.c.KnownDatabases(ctx, server)
	} else {
		var db *Database
		if db, err = sc.c.TakenName(ctx, server, name); db != nil {
			dbs = []Database{*db}
		}
	}
	w.logf("%s check %s/%s: %d, %v", tag, server, name, len(dbs), err)
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, db := range dbs {
		if w.deleters[db.ID] == sc.name && w.deleted[db.ID].Before(started) {
			w.violate("I4 %s: %s knows %s, which it deleted at %s, before the check began", tag, sc.name, db.ID, w.deleted[db.ID].Sub(w.start))
		}
	}
	if !whole {
		return
	}
	// A database the client made must be in what it knows while it is on the panel; a delete
	// whose answer was lost, or the person's, may have taken it, which only the panel tells.
	var on []paneltest.Database
	for id, srv := range sc.mine {
		if srv != server || !sc.when[id].Before(started) || FindDatabase(dbs, id) != nil {
			continue
		}
		if on == nil {
			on = w.p.Databases(server)
		}
		if slices.ContainsFunc(on, func(d paneltest.Database) bool { return w.idOf(d) == id }) {
			w.violate("I4 %s: %s does not know %s, which it made and which is on the panel", tag, sc.name, id)
		}
	}
}

// read lists the server's databases as a refresh does: I4 for reads, which see the panel.
func (w *simWorld) read(ctx context.Context, sc *simWorker, tag, server string, started time.Time) {
	dbs, err := sc.c.ListDatabases(ctx, server, sc.rng.IntN(2) == 0)
	w.logf("%s list %s: %d, %v", tag, server, len(dbs), err)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, db := range dbs {
		if w.deleters[db.ID] == sc.name && w.deleted[db.ID].Before(started) {
			w.violate("I4 %s: %s read %s, which it deleted at %s, before the read began", tag, sc.name, db.ID, w.deleted[db.ID].Sub(w.start))
		}
	}
}

func (w *simWorld) remove(ctx context.Context, sc *simWorker, tag string) {
	id, server := w.pick(sc)
	if id == "" {
		return
	}
	err := sc.c.DeleteDatabase(ctx, server, id)
	w.logf("%s delete %s/%s: %v", tag, server, id, err)
	if err == nil {
		w.mu.Lock()
		delete(sc.mine, id)
		sc.order = slices.DeleteFunc(sc.order, func(o string) bool { return o == id })
		if _, ok := w.deleted[id]; !ok {
			w.deleted[id] = time.Now()
			w.deleters[id] = sc.name
		}
		w.mu.Unlock()
	}
}

func (w *simWorld) rotate(ctx context.Context, sc *simWorker, tag string) {
	id, server := w.pick(sc)
	if id == "" {
		return
	}
	_, err := sc.c.RotateDatabasePassword(ctx, server, id)
	w.logf("%s rotate %s/%s: %v", tag, server, id, err)
}

// pick chooses one of the client's databases, by the order they were made in (their ids are
// the panel's random hashids on Pterodactyl).
func (w *simWorld) pick(sc *simWorker) (id, server string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(sc.order) == 0 {
		return "", ""
	}
	id = sc.order[sc.rng.IntN(len(sc.order))]
	return id, sc.mine[id]
}

// person works in the panel now and then: makes a database of a name that is free, or
// deletes one, whoever made it.
func (w *simWorld) person(stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(w.seed, 50))
	for {
		select {
		case <-stop:
			return
		case <-time.After(time.Duration(5+rng.IntN(30)) * time.Second):
		}
		server := w.servers[rng.IntN(len(w.servers))]
		dbs := w.p.Databases(server)
		if rng.IntN(2) == 0 && len(dbs) > 0 {
			db := dbs[rng.IntN(len(dbs))]
			if w.p.DeleteDatabase(server, db.ID) {
				id := w.idOf(db)
				w.mu.Lock()
				if _, ok := w.deleted[id]; !ok {
					w.deleted[id] = time.Now()
					w.deleters[id] = "person"
				}
				w.mu.Unlock()
				w.logf("person deletes %s/%s", server, id)
			}
			continue
		}
		name := simNames[rng.IntN(len(simNames))]
		if db, ok := w.p.MakeDatabase(server, name, "%"); ok {
			w.logf("person makes %s/%s (%s)", server, name, w.idOf(db))
		}
	}
}

// idOf is the id the clients know the database by: the client API's, or with an application
// key the panel's numeric one.
func (w *simWorld) idOf(d paneltest.Database) string {
	if w.app {
		return strconv.Itoa(d.InternalID)
	}
	return d.ID
}

// faults queues a random fault now and then.
func (w *simWorld) faults(stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(w.seed, 60))
	routes := []paneltest.Route{paneltest.RouteCreateDatabase, paneltest.RouteListDatabases,
		paneltest.RouteDeleteDatabase, paneltest.RouteRotatePassword, paneltest.RouteGetServer}
	if w.app {
		routes = []paneltest.Route{paneltest.RouteAppCreateDatabase, paneltest.RouteAppListDatabases,
			paneltest.RouteAppDeleteDatabase, paneltest.RouteAppResetPassword, paneltest.RouteAppGetDatabase,
			paneltest.RouteAppListServers}
	}
	for {
		select {
		case <-stop:
			return
		case <-time.After(time.Duration(2+rng.IntN(20)) * time.Second):
		}
		f := paneltest.Fault{Route: routes[rng.IntN(len(routes))]}
		switch rng.IntN(7) {
		case 0:
			f.DropAfterCommit = true // the answer is lost after the panel did it
		case 1:
			f.Status = http.StatusGatewayTimeout // a gateway gave up; the panel did nothing
		case 2:
			f.Status = http.StatusBadGateway
		case 3:
			f.Status, f.RetryAfter, f.Count = http.StatusTooManyRequests, time.Duration(1+rng.IntN(30))*time.Second, 1+rng.IntN(3)
		case 4:
			f.Latency = time.Duration(5+rng.IntN(20)) * time.Second // slower than some requests wait
		case 5:
			f.HostLatency = time.Duration(5+rng.IntN(40)) * time.Second // a create that finishes after its client gave up
		default:
			f.Status = http.StatusInternalServerError
		}
		w.p.InjectFault(f)
		w.logf("fault on %s: %+v", f.Route, f)
	}
}

// checkPanel checks I1 on what the panel holds now: no create call made two databases.
func (w *simWorld) checkPanel() {
	seen := map[string]string{}
	for _, server := range w.servers {
		for _, db := range w.p.Databases(server) {
			if db.Creator == "" || !strings.Contains(db.Creator, "/op") {
				continue
			}
			if other, ok := seen[db.Creator]; ok {
				w.violate("I1 %s made two databases: %s and %s", db.Creator, other, w.idOf(db))
			}
			seen[db.Creator] = w.idOf(db)
		}
	}
}

// finish lets every request the panel still runs end, then checks I1, I3 and I6.
func (w *simWorld) finish() {
	w.handling.Wait()
	if err := w.p.WaitIdle(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	w.checkPanel()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, server := range w.servers {
		for _, db := range w.p.Databases(server) {
			w.logf("at the end %s/%s %s, made by %q at %s", server, db.Name, w.idOf(db), db.Creator, db.Created.Sub(w.start))
		}
	}
	for _, server := range w.servers {
		for _, db := range w.p.Databases(server) {
			call, ok := w.calls[db.Creator]
			if !ok {
				continue // the person's
			}
			named := call.unconfirmed && strings.HasSuffix(db.Name, "_"+call.name)
			if call.returned != w.idOf(db) && !named {
				w.violate("I3 %s made %s (%s), but returned %q without naming it", db.Creator, w.idOf(db), db.Name, call.returned)
			}
		}
	}
	if n, most := w.p.TotalRequests(), simMaxRequestsPerOp*w.ops; n > most {
		w.violate("I6 %d requests for %d operations, more than %d", n, w.ops, most)
	}
	w.logf("%d operations, %d requests", w.ops, w.p.TotalRequests())
}
