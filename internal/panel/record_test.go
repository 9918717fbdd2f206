package panel

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// heldListPanel is a Pterodactyl panel with one server, "old" among its databases, behind a
// server that can hold lists: holdNext makes the next list read its rows, say so on read,
// and answer only once release is closed. read and release are those of the last list
// holdNext held; holdNext also returns them, so that several lists can be held at once.
// The client's clock is clock.
type heldListPanel struct {
	p       *paneltest.Panel
	srv     paneltest.Server
	c       *Client
	clock   *fakeClock
	old     paneltest.Database
	mu      sync.Mutex
	next    *heldRequest
	read    chan struct{}
	release chan struct{}
}

// heldRequest is one held list: read is closed once the panel has read its rows, and the
// answer goes back once release is closed.
type heldRequest struct {
	read    chan struct{}
	release chan struct{}
}

func newHeldListPanel(t *testing.T) *heldListPanel {
	t.Helper()
	p := paneltest.New(paneltest.Options{CreateRateLimit: -1})
	h := &heldListPanel{p: p, srv: p.AddServer(paneltest.Server{InternalID: 7}), clock: &fakeClock{now: time.Unix(1_700_000_000, 0)}}
	h.old = p.AddDatabase(h.srv.Identifier, "old", "%")
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		held := h.next
		if held != nil && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/databases") {
			h.next = nil
		} else {
			held = nil
		}
		h.mu.Unlock()
		if held == nil {
			p.Handler().ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		p.Handler().ServeHTTP(rec, r)
		close(held.read)
		<-held.release
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(hs.Close)
	c, err := New(Config{URL: hs.URL, APIKey: p.AddKey(paneltest.Key{Servers: map[string][]string{h.srv.Identifier: {"*"}}})})
	if err != nil {
		t.Fatal(err)
	}
	c.now = h.clock.Now
	h.c = c
	return h
}

// holdNext makes the next list wait, after the panel read its rows, until release is closed.
func (h *heldListPanel) holdNext() *heldRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next = &heldRequest{read: make(chan struct{}), release: make(chan struct{})}
	h.read, h.release = h.next.read, h.next.release
	return h.next
}

// A list that was in flight when the client deleted a database does not bring it back: the
// panel read its rows before the delete, but the client's own delete is applied to it when it
// lands. The name is free at once, with no request (a replacement's create must not be told
// it is taken). With the fix reverted (make mutation's Z4), the simulation finds this at seed
// 39: a check by one of a client's workers lists the server, a second worker's delete returns
// while the list's answer is on its way back, and the list lands with the database in it.
func TestListInFlightDoesNotUndoOwnDelete(t *testing.T) {
	h := newHeldListPanel(t)
	ctx := t.Context()
	h.holdNext()
	checked := make(chan error, 1)
	go func() {
		_, err := h.c.TakenName(ctx, h.srv.Identifier, "other")
		checked <- err
	}()
	<-h.read
	if err := h.c.DeleteDatabase(ctx, h.srv.Identifier, h.old.ID); err != nil {
		t.Fatal(err)
	}
	close(h.release)
	if err := <-checked; err != nil {
		t.Fatal(err)
	}
	if db, err := h.c.TakenName(ctx, h.srv.Identifier, "old"); err != nil || db != nil {
		t.Fatalf("after the client deleted it, TakenName(old) = %s, %v; want free", idOf(db), err)
	}
	if n := h.p.Requests(paneltest.RouteListDatabases); n != 1 {
		t.Errorf("%d lists, want the one that was in flight", n)
	}
}

// The other order: a list sent to confirm a taken name, in flight while the client made
// another database, does not drop that database from what the client knows.
func TestListInFlightKeepsOwnCreate(t *testing.T) {
	h := newHeldListPanel(t)
	ctx := t.Context()
	if _, err := h.c.KnownDatabases(ctx, h.srv.Identifier); err != nil {
		t.Fatal(err)
	}
	_ = h.clock.sleep(ctx, 2*confirmAfter) // "old" is taken in a list that needs confirming now
	h.holdNext()
	confirmed := make(chan error, 1)
	go func() {
		_, err := h.c.TakenName(ctx, h.srv.Identifier, "old")
		confirmed <- err
	}()
	<-h.read
	made, err := h.c.CreateDatabase(ctx, h.srv.Identifier, CreateDatabaseInput{Name: "new", Remote: "%"})
	if err != nil {
		t.Fatal(err)
	}
	close(h.release)
	if err := <-confirmed; err != nil {
		t.Fatal(err)
	}
	lists := h.p.Requests(paneltest.RouteListDatabases)
	db, err := h.c.TakenName(ctx, h.srv.Identifier, "new")
	if err != nil || db == nil || db.ID != made.ID {
		t.Fatalf("after the client made it, TakenName(new) = %s, %v; want %s", idOf(db), err, made.ID)
	}
	if n := h.p.Requests(paneltest.RouteListDatabases); n != lists {
		t.Errorf("TakenName(new) listed the panel; the client made it a moment ago")
	}
}

// Two lists in flight over one of the client's deletes, landing in the order they were sent:
// the first one to land takes the delete into account, and the record must keep the delete's
// effect until the second one, which the panel also answered from before the delete, has
// landed too. With the effects trimmed when the first lands (make mutation's Z2), the second
// brings the database back: the simulation found this at seed 2321 (a read's list with
// passwords and a check's list without, on one server, around a delete by a third worker), on
// some machines only, as its goroutines' order at one fake instant is not seeded.
func TestListsInFlightKeepOwnDeleteUntilTheLastLands(t *testing.T) {
	h := newHeldListPanel(t)
	ctx := t.Context()
	first := h.holdNext()
	read := make(chan error, 1)
	go func() {
		_, err := h.c.ListDatabases(ctx, h.srv.Identifier, true)
		read <- err
	}()
	<-first.read
	_ = h.clock.sleep(ctx, time.Second)
	second := h.holdNext()
	checked := make(chan error, 1)
	go func() {
		_, err := h.c.TakenName(ctx, h.srv.Identifier, "other")
		checked <- err
	}()
	<-second.read
	if err := h.c.DeleteDatabase(ctx, h.srv.Identifier, h.old.ID); err != nil {
		t.Fatal(err)
	}
	close(first.release)
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	close(second.release)
	if err := <-checked; err != nil {
		t.Fatal(err)
	}
	if db, err := h.c.TakenName(ctx, h.srv.Identifier, "old"); err != nil || db != nil {
		t.Fatalf("after the client deleted it, TakenName(old) = %s, %v; want free", idOf(db), err)
	}
	if n := h.p.Requests(paneltest.RouteListDatabases); n != 2 {
		t.Errorf("%d lists, want the two that were in flight", n)
	}
}

// A stranger's database is never taken as this create's own. The client last saw the name free
// long before its create went out; meanwhile someone made a database of that name, and the
// create's answer was lost (a gateway's 504). The lookup finds the stranger's database: the
// create fails with an error that names it, nothing is sent twice, and the panel holds that
// one database alone. With the rule reverted (make mutation's Z3), the simulation finds this
// at seed 1.
func TestStrangersDatabaseIsNotAdopted(t *testing.T) {
	h := newHeldListPanel(t)
	ctx := t.Context()
	if db, err := h.c.TakenName(ctx, h.srv.Identifier, "app"); err != nil || db != nil {
		t.Fatalf("TakenName(app) = %s, %v; want free", idOf(db), err)
	}
	_ = h.clock.sleep(ctx, 2*adoptWithin)
	stranger := h.p.AddDatabase(h.srv.Identifier, "app", "%")
	h.p.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, Status: http.StatusGatewayTimeout})
	db, err := h.c.CreateDatabase(ctx, h.srv.Identifier, CreateDatabaseInput{Name: "app", Remote: "%"})
	var u *UnconfirmedCreateError
	if db != nil || !errors.As(err, &u) || len(u.Found) != 1 || u.Found[0].ID != stranger.ID {
		t.Fatalf("CreateDatabase = %s, %v; want an error naming the stranger's database %s", idOf(db), err, stranger.ID)
	}
	if !strings.Contains(err.Error(), stranger.Name+" (id "+stranger.ID+")") || strings.Contains(err.Error(), stranger.Password) {
		t.Errorf("the error does not name the database, or holds its password: %v", err)
	}
	if n := h.p.Requests(paneltest.RouteCreateDatabase); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	if n := len(h.p.Databases(h.srv.Identifier)); n != 2 {
		t.Errorf("the panel holds %d databases, want old and the stranger's", n)
	}
	// The name is taken now, as far as the client knows.
	if taken, err := h.c.TakenName(ctx, h.srv.Identifier, "app"); err != nil || taken == nil || taken.ID != stranger.ID {
		t.Errorf("TakenName(app) = %s, %v; want the stranger's", idOf(taken), err)
	}
}

// The same lost answer, with the name seen free just before the create went out: the create's
// own database is found and taken, once.
func TestFreshlyCheckedLostCreateIsAdopted(t *testing.T) {
	h := newHeldListPanel(t)
	ctx := t.Context()
	h.p.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, DropAfterCommit: true})
	h.c.sleep = func(ctx context.Context, d time.Duration) error { return h.clock.sleep(ctx, d) }
	db, err := h.c.CreateDatabase(ctx, h.srv.Identifier, CreateDatabaseInput{Name: "app", Remote: "%"})
	if err != nil {
		t.Fatal(err)
	}
	on := h.p.Databases(h.srv.Identifier)
	if len(on) != 2 || db.ID != on[1].ID || db.Password != on[1].Password {
		t.Fatalf("adopted %s; the panel holds %d databases, the newest %s (or the password differs)", db.ID, len(on), on[len(on)-1].ID)
	}
	if n := h.p.Requests(paneltest.RouteCreateDatabase); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
}

// While a create's answer is being looked for, a create of another name on the same server
// goes ahead (it cannot duplicate the lost one), and a create of the same name waits: it is
// not sent while the first may still be made.
func TestLookupHoldsOnlyItsName(t *testing.T) {
	s := newSlowCreatePanel(t, paneltest.Pterodactyl, 3)
	ctx := t.Context()
	srv := s.server.Identifier
	sleep := s.client.sleep
	var other, same error
	var otherDB *Database
	s.client.sleep = func(ctx context.Context, d time.Duration) error {
		if len(s.sleeps) == 0 {
			octx, cancel := context.WithTimeout(ctx, 5*time.Second)
			otherDB, other = s.client.CreateDatabase(octx, srv, CreateDatabaseInput{Name: "other", Remote: "%"})
			cancel()
			sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			_, same = s.client.CreateDatabase(sctx, srv, CreateDatabaseInput{Name: "app", Remote: "%"})
			cancel()
		}
		return sleep(ctx, d)
	}
	db, err := s.client.CreateDatabase(ctx, srv, CreateDatabaseInput{Name: "app", Remote: "%"})
	if err != nil {
		t.Fatal(err)
	}
	if other != nil || otherDB == nil {
		t.Fatalf("a create of another name during the lookup: %v", other)
	}
	if !errors.Is(same, context.DeadlineExceeded) || !strings.Contains(same.Error(), "same name") {
		t.Fatalf("a create of the same name during the lookup: %v; want it held until its deadline", same)
	}
	on := s.panel.Databases(srv)
	if len(on) != 2 || s.panel.Requests(paneltest.RouteCreateDatabase) != 2 {
		t.Fatalf("the panel holds %d databases after %d creates; want app and other, one create each", len(on), s.panel.Requests(paneltest.RouteCreateDatabase))
	}
	if db.Name != "s7_app" || otherDB.Name != "s7_other" {
		t.Fatalf("got %s and %s", db.Name, otherDB.Name)
	}
}

// idOf names a database in test output without its password.
func idOf(db *Database) string {
	if db == nil {
		return "none"
	}
	return db.ID + " (" + db.Name + ")"
}

// A database the client made is counted once in what it knows, however many of the lists
// that show it land around the create: a root admin's client key on Pterodactyl lists the
// server after an application-API create to learn the client API's id, and the create then
// records what it made too. Counts feed the plan's database-limit check.
func TestOwnCreateIsCountedOnce(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{CreateRateLimit: -1, DatabaseHosts: 2})
	srv := p.AddServer(paneltest.Server{InternalID: 7})
	c, err := New(Config{URL: p.URL(), APIKey: p.AddKey(paneltest.Key{RootAdmin: true})})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := c.CreateDatabase(ctx, srv.Identifier, CreateDatabaseInput{Name: "app", Remote: "%", HostID: "2"}); err != nil {
		t.Fatal(err)
	}
	dbs, err := c.KnownDatabases(ctx, srv.Identifier)
	if err != nil || len(dbs) != 1 {
		t.Fatalf("the client knows %d databases (%v) after making one", len(dbs), err)
	}
}

// A 403 that means "this is an application key" (an unprefixed key, tried on the client API
// first) switches the key's kind: it is not kept as the server's lasting refusal to list, so
// the plan's check answers through the application API at once, not with that 403.
func TestKindSwitchDuringAPlanCheckIsNotKeptAsARefusal(t *testing.T) {
	f := newAppFake(t, Pterodactyl)
	f.appKeyOnClient = true
	f.addDB(1, "app")
	c, _, _ := f.client(unprefixedKey)
	db, err := c.TakenName(t.Context(), "1a7ce997", "app")
	if err != nil || db == nil || db.ID != "11" {
		t.Fatalf("TakenName(app) = %s, %v; want database 11 through the application API", idOf(db), err)
	}
	if c.Kind() != ApplicationKey {
		t.Fatalf("kind = %s, want an application key", c.Kind())
	}
}

// A caller that comes after every caller of a request in flight has left does not join it: the
// request is ending, and joining would hand a live caller the others' "context canceled". It
// starts a request of its own.
func TestLateCallerDoesNotJoinAnAbandonedFlight(t *testing.T) {
	var g flights[int]
	gone, cancel := context.WithCancel(t.Context())
	first, started, _, _ := g.join(gone, "k", nil)
	if !started {
		t.Fatal("the first caller did not start a request")
	}
	cancel()
	late, started, _, _ := g.join(t.Context(), "k", nil)
	if !started || late == first {
		t.Fatal("a live caller joined a request every caller had left")
	}
	g.land("k", first, 0, context.Canceled)
	g.land("k", late, 1, nil)
	if late.err != nil || late.val != 1 {
		t.Fatalf("the late caller's own request gave %d, %v", late.val, late.err)
	}
}
