package paneltest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// result is the outcome of a request sent in the background.
type result struct {
	r   *response
	err error
}

// goCreate sends a create of name (remote "%") in the background; the channel gets its result.
func (f *fixture) goCreate(ctx context.Context, t *testing.T, name string) <-chan result {
	t.Helper()
	req := f.owner.request(ctx, "POST", f.dbPath(), map[string]string{"database": name, "remote": "%"})
	out := make(chan result, 1)
	go func() {
		r, err := f.owner.send(req)
		out <- result{r, err}
	}()
	return out
}

// within receives from ch, failing the test instead of hanging when nothing comes.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not happen within 15s", what)
		panic("unreachable")
	}
}

// answer waits for a background request that must get a response.
func answer(t *testing.T, ch <-chan result) *response {
	t.Helper()
	res := within(t, ch, "the answer")
	if res.err != nil {
		t.Fatal(res.err)
	}
	return res.r
}

// newHold returns a HostHold channel and its release. The release also runs at cleanup,
// before the panel closes, so that a failing test does not leave a create on its host.
func newHold(t *testing.T) (<-chan struct{}, func()) {
	hold := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release)
	return hold, release
}

// onHost is a buffered OnHost channel, so that a failing test never leaves a create blocked
// on the send.
func onHost() chan struct{} { return make(chan struct{}, 4) }

// wantUnique checks the answer to a create whose name the server already has: the
// controller's 400 DuplicateDatabaseNameException (validation's unique rule never fires).
func wantUnique(t *testing.T, r *response) {
	t.Helper()
	want := []errorItem{item("DuplicateDatabaseNameException", http.StatusBadRequest, msgDuplicateDatabase)}
	wantStatus(t, r, http.StatusBadRequest)
	if got := r.errors(t); !slices.EqualFunc(got, want, sameItem) {
		t.Fatalf("errors = %+v, want %+v", got, want)
	}
}

func TestSlowCreateOutlivesItsClient(t *testing.T) {
	t.Run("host latency", func(t *testing.T) {
		f := setup(t, Options{})
		on := onHost()
		f.p.InjectFault(Fault{Route: RouteCreateDatabase, HostLatency: 300 * time.Millisecond, OnHost: on})
		ctx, cancel := context.WithCancel(t.Context())
		res := f.goCreate(ctx, t, "slow")
		within(t, on, "the create reaching its host") // past its checks
		cancel()
		if r := within(t, res, "the client giving up"); r.err == nil {
			t.Fatalf("the client got an answer (%d) after hanging up", r.r.status)
		}
		if err := f.p.WaitIdle(t.Context()); err != nil {
			t.Fatal(err)
		}
		if dbs := f.p.Databases(f.srv.Identifier); len(dbs) != 1 || dbs[0].Name != "s1_slow" {
			t.Fatalf("databases = %+v, want the abandoned create committed", dbs)
		}
	})
	t.Run("host hold", func(t *testing.T) {
		f := setup(t, Options{})
		hold, release := newHold(t)
		on := onHost()
		f.p.InjectFault(Fault{Route: RouteCreateDatabase, HostHold: hold, OnHost: on})
		ctx, cancel := context.WithCancel(t.Context())
		res := f.goCreate(ctx, t, "slow")
		within(t, on, "the create reaching its host")
		cancel()
		if r := within(t, res, "the client giving up"); r.err == nil {
			t.Fatalf("the client got an answer (%d) after hanging up", r.r.status)
		}
		if dbs := f.p.Databases(f.srv.Identifier); len(dbs) != 0 {
			t.Fatalf("committed before leaving its host: %+v", dbs)
		}
		wantStatus(t, f.owner.do("GET", f.dbPath(), nil), http.StatusOK) // the lock is free meanwhile
		release()
		if err := f.p.WaitIdle(t.Context()); err != nil {
			t.Fatal(err)
		}
		if dbs := f.p.Databases(f.srv.Identifier); len(dbs) != 1 || dbs[0].Name != "s1_slow" {
			t.Fatalf("databases = %+v, want the abandoned create committed", dbs)
		}
		// A retry now is the ordinary unique violation.
		wantUnique(t, f.owner.do("POST", f.dbPath(), map[string]string{"database": "slow", "remote": "%"}))
	})
}

// TestOverlappingCreatesOnTwoHostsBothCommit is the duplicate a real panel makes: the name
// check is an unlocked exists(), and the unique index includes the host.
func TestOverlappingCreatesOnTwoHostsBothCommit(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setup(t, Options{Flavor: fl, DatabaseHosts: 2, CreateRateLimit: -1})
			hold, release := newHold(t)
			on := onHost()
			f.p.InjectFault(Fault{Route: RouteCreateDatabase, HostHold: hold, OnHost: on})
			first := f.goCreate(t.Context(), t, "twice")
			within(t, on, "the create reaching its host")
			// The second is sent while the first is on its host; it passes the name check,
			// lands on the other host and commits at once.
			second := attrs(t, f.owner.do("POST", f.dbPath(), map[string]string{"database": "twice", "remote": "%"}).object(t))
			release()
			r := answer(t, first)
			wantStatus(t, r, http.StatusOK)
			firstAttrs := attrs(t, r.object(t))
			if err := f.p.WaitIdle(t.Context()); err != nil {
				t.Fatal(err)
			}
			dbs := f.p.Databases(f.srv.Identifier)
			if len(dbs) != 2 || dbs[0].Name != "s1_twice" || dbs[1].Name != "s1_twice" || dbs[0].ID == dbs[1].ID {
				t.Fatalf("databases = %+v, want two rows named s1_twice", dbs)
			}
			hosts := []int{dbs[0].HostID, dbs[1].HostID}
			slices.Sort(hosts)
			if !slices.Equal(hosts, []int{1, 2}) {
				t.Fatalf("host ids = %v, want one row on each host", hosts)
			}
			ids := []string{idString(firstAttrs["id"]), idString(second["id"])}
			if !slices.Contains(ids, dbs[0].ID) || !slices.Contains(ids, dbs[1].ID) {
				t.Fatalf("answered ids %v, stored %s and %s", ids, dbs[0].ID, dbs[1].ID)
			}
			// Once committed, the name check sees it.
			wantUnique(t, f.owner.do("POST", f.dbPath(), map[string]string{"database": "twice", "remote": "%"}))
			if n := len(f.p.Databases(f.srv.Identifier)); n != 2 {
				t.Fatalf("%d databases after the refused create, want 2", n)
			}
		})
	}
}

// TestOverlappingCreatesOnOneHost: the second insert waits on the first's unique-index entry
// and fails with a QueryException once the first commits.
func TestOverlappingCreatesOnOneHost(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setup(t, Options{Flavor: fl, CreateRateLimit: -1})
			hold, release := newHold(t)
			on := onHost()
			f.p.InjectFault(Fault{Route: RouteCreateDatabase, HostHold: hold, OnHost: on})
			f.p.InjectFault(Fault{Route: RouteCreateDatabase, OnHost: on}) // no host time of its own
			first := f.goCreate(t.Context(), t, "twice")
			within(t, on, "the create reaching its host")
			second := f.goCreate(t.Context(), t, "twice")
			within(t, on, "the create reaching its host") // past the name check too
			release()
			wantStatus(t, answer(t, first), http.StatusOK)
			wantError(t, answer(t, second), http.StatusInternalServerError, "QueryException", msgUnexpected)
			dbs := f.p.Databases(f.srv.Identifier)
			if len(dbs) != 1 || dbs[0].Name != "s1_twice" || dbs[0].HostID != 1 {
				t.Fatalf("databases = %+v, want one row on host 1", dbs)
			}
			wantUnique(t, f.owner.do("POST", f.dbPath(), map[string]string{"database": "twice", "remote": "%"}))
		})
	}
}

// failingOnce is an in-memory Backend whose next CreateDatabase fails.
type failingOnce struct {
	memoryHost
	armed atomic.Bool
}

func (h *failingOnce) CreateDatabase(context.Context, BackendDatabase) error {
	if h.armed.CompareAndSwap(true, false) {
		return errors.New("host refused")
	}
	return nil
}

// TestQueuedCreateCommitsWhenTheOneAheadFails: the first transaction rolls back, so the
// second insert gets the index entry.
func TestQueuedCreateCommitsWhenTheOneAheadFails(t *testing.T) {
	host := &failingOnce{}
	f := setup(t, Options{Backend: host})
	hold, release := newHold(t)
	on := onHost()
	f.p.InjectFault(Fault{Route: RouteCreateDatabase, HostHold: hold, OnHost: on})
	f.p.InjectFault(Fault{Route: RouteCreateDatabase, OnHost: on})
	first := f.goCreate(t.Context(), t, "twice")
	within(t, on, "the create reaching its host")
	second := f.goCreate(t.Context(), t, "twice")
	within(t, on, "the create reaching its host")
	host.armed.Store(true) // only the first reaches the Backend while armed: the second waits for it
	release()
	wantError(t, answer(t, first), http.StatusInternalServerError, "QueryException", msgUnexpected)
	r := answer(t, second)
	wantStatus(t, r, http.StatusOK)
	dbs := f.p.Databases(f.srv.Identifier)
	if len(dbs) != 1 || dbs[0].ID != idString(attrs(t, r.object(t))["id"]) {
		t.Fatalf("databases = %+v, want the second create's row only", dbs)
	}
}

// TestCommitChecksItsHost: a row that appears on the create's host while it is there (here
// seeded) makes the commit fail instead of duplicating it.
func TestCommitChecksItsHost(t *testing.T) {
	f := setup(t, Options{})
	hold, release := newHold(t)
	on := onHost()
	f.p.InjectFault(Fault{Route: RouteCreateDatabase, HostHold: hold, OnHost: on})
	res := f.goCreate(t.Context(), t, "taken")
	within(t, on, "the create reaching its host")
	seeded := f.p.AddDatabase(f.srv.Identifier, "taken", "%")
	release()
	wantError(t, answer(t, res), http.StatusInternalServerError, "QueryException", msgUnexpected)
	if dbs := f.p.Databases(f.srv.Identifier); len(dbs) != 1 || dbs[0] != seeded {
		t.Fatalf("databases = %+v, want only the seeded %+v", dbs, seeded)
	}
}

func TestWaitIdle(t *testing.T) {
	f := setup(t, Options{})
	if err := f.p.WaitIdle(t.Context()); err != nil {
		t.Fatalf("idle panel: %v", err)
	}
	done, cancel := context.WithCancel(t.Context())
	cancel()
	if err := f.p.WaitIdle(done); err != nil {
		t.Fatalf("idle panel with an ended context: %v", err)
	}

	hold, release := newHold(t)
	on := onHost()
	f.p.InjectFault(Fault{Route: RouteCreateDatabase, HostHold: hold, OnHost: on})
	res := f.goCreate(t.Context(), t, "slow")
	within(t, on, "the create reaching its host")
	if err := f.p.WaitIdle(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitIdle(cancelled) with a create on its host = %v, want context.Canceled", err)
	}
	short, cancelShort := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancelShort()
	if err := f.p.WaitIdle(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitIdle(timeout) with a create on its host = %v, want context.DeadlineExceeded", err)
	}
	// WaitIdle returns only once the create has committed: what it sees then is final.
	type idle struct {
		err error
		n   int
	}
	seen := make(chan idle, 1)
	go func() {
		err := f.p.WaitIdle(t.Context())
		seen <- idle{err, len(f.p.Databases(f.srv.Identifier))}
	}()
	release()
	if got := within(t, seen, "WaitIdle"); got.err != nil || got.n != 1 {
		t.Fatalf("WaitIdle returned %v with %d databases, want nil with the create committed", got.err, got.n)
	}
	wantStatus(t, answer(t, res), http.StatusOK)
}

func TestHostFaultsAreConsumedLikeOthers(t *testing.T) {
	f := setup(t, Options{CreateRateLimit: -1})
	on := onHost()
	// A fault for any route is used up by whichever request comes first; host time means
	// nothing to a list.
	f.p.InjectFault(Fault{HostLatency: time.Hour, OnHost: on})
	wantStatus(t, f.owner.do("GET", f.dbPath(), nil), http.StatusOK)
	// With Status, the request is not handled at all.
	f.p.InjectFault(Fault{Route: RouteCreateDatabase, Status: http.StatusServiceUnavailable, OnHost: on})
	wantStatus(t, f.owner.do("POST", f.dbPath(), map[string]string{"database": "db0", "remote": "%"}), http.StatusServiceUnavailable)
	// A create that fails its checks never reaches a host.
	f.p.InjectFault(Fault{Route: RouteCreateDatabase, HostLatency: time.Hour, OnHost: on})
	wantStatus(t, f.owner.do("POST", f.dbPath(), map[string]string{"database": "x", "remote": "%"}), http.StatusUnprocessableEntity)
	if len(on) != 0 {
		t.Fatalf("%d creates went to a host, want none", len(on))
	}

	const latency = 100 * time.Millisecond
	f.p.InjectFault(Fault{Route: RouteCreateDatabase, HostLatency: latency, OnHost: on, Count: 2})
	for i, name := range []string{"db1", "db2", "db3"} {
		start := time.Now()
		wantStatus(t, f.owner.do("POST", f.dbPath(), map[string]string{"database": name, "remote": "%"}), http.StatusOK)
		if d := time.Since(start); i < 2 && d < latency {
			t.Fatalf("create %d answered after %v, want at least the host latency %v", i+1, d, latency)
		}
	}
	if len(on) != 2 {
		t.Fatalf("%d creates went to a host, want the 2 the fault counted", len(on))
	}
	if n := len(f.p.Databases(f.srv.Identifier)); n != 3 {
		t.Fatalf("%d databases, want 3", n)
	}
}

func TestDatabaseHosts(t *testing.T) {
	p := Start(t, Options{DatabaseHosts: 3})
	s := p.AddServer(Server{})
	var got []int
	for _, name := range []string{"aaa", "bbb", "ccc", "ddd"} {
		got = append(got, p.AddDatabase(s.Identifier, name, "").HostID)
	}
	if !slices.Equal(got, []int{1, 2, 3, 1}) {
		t.Fatalf("host ids = %v, want round-robin 1 2 3 1", got)
	}
	for _, d := range p.Databases(s.Identifier) {
		if d.Host != "127.0.0.1" || d.Port != 3306 {
			t.Fatalf("every host reports the Backend's address: %+v", d)
		}
	}
	one := New(Options{})
	s = one.AddServer(Server{})
	for _, name := range []string{"aaa", "bbb"} {
		if d := one.AddDatabase(s.Identifier, name, ""); d.HostID != 1 {
			t.Fatalf("the default single host: %+v", d)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("New accepted a negative DatabaseHosts")
		}
	}()
	New(Options{DatabaseHosts: -1})
}

// A person making a database in the panel's web UI while a create of the same name is on its
// host does not get it: that create's open transaction holds the row, so a real panel's insert
// waits and then fails on the duplicate key. The fake let it through, and a client then found
// the person's database where its own was still to come (the simulation, seed 90:
// make simulate SEED=90, before MakeDatabase looked at the creates on their hosts).
func TestPersonCannotTakeANameACreateHoldsOnItsHost(t *testing.T) {
	f := setup(t, Options{})
	hold, release := newHold(t)
	on := onHost()
	f.p.InjectFault(Fault{Route: RouteCreateDatabase, HostHold: hold, OnHost: on})
	res := f.goCreate(t.Context(), t, "app")
	within(t, on, "the create reaching its host")
	if db, ok := f.p.MakeDatabase(f.srv.Identifier, "app", "%"); ok {
		t.Fatalf("the person made %s while a create of the name was on its host", db.Name)
	}
	release()
	if r := within(t, res, "the create"); r.err != nil || r.r.status != http.StatusOK {
		t.Fatalf("the create on its host: %v", r.err)
	}
	dbs := f.p.Databases(f.srv.Identifier)
	if len(dbs) != 1 || dbs[0].Name != "s1_app" {
		t.Fatalf("%d databases, want the create's alone", len(dbs))
	}
	if _, ok := f.p.MakeDatabase(f.srv.Identifier, "app", "%"); ok {
		t.Fatal("the person made a second database of a name the server has")
	}
}
