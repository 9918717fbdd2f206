package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// sharePanel is a panel with servers each holding perServer databases, and an owner client.
func sharePanel(t *testing.T, servers, perServer int) (*paneltest.Panel, []paneltest.Server, *Client) {
	t.Helper()
	p := paneltest.Start(t, paneltest.Options{})
	perms := map[string][]string{}
	var srvs []paneltest.Server
	for range servers {
		s := p.AddServer(paneltest.Server{})
		for j := range perServer {
			p.AddDatabase(s.Identifier, fmt.Sprintf("db%03d", j), "%")
		}
		srvs = append(srvs, s)
		perms[s.Identifier] = []string{"*"}
	}
	c, err := New(Config{URL: p.URL(), APIKey: p.AddKey(paneltest.Key{Servers: perms})})
	if err != nil {
		t.Fatal(err)
	}
	return p, srvs, c
}

// A refresh reads every database at once; each read lists its server. They must cost one
// list per server, whatever the number of databases. The panel holds the lists until every
// read has joined one, so each read is served by a request in flight, as in a refresh.
func TestParallelReadsCostOneListPerServer(t *testing.T) {
	const servers, perServer = 3, 12
	p, srvs, _ := sharePanel(t, servers, perServer)
	gate := make(chan struct{})
	var open sync.Once
	var lists atomic.Int32
	held := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/databases") {
			if lists.Add(1) > servers {
				open.Do(func() { close(gate) }) // a read did not join: let everything finish, and fail below
			}
			<-gate
		}
		p.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(held.Close)
	perms := map[string][]string{}
	for _, s := range srvs {
		perms[s.Identifier] = []string{"*"}
	}
	c, err := New(Config{URL: held.URL, APIKey: p.AddKey(paneltest.Key{Servers: perms})})
	if err != nil {
		t.Fatal(err)
	}
	joined := joinSignal(c)
	go func() {
		for range servers*perServer - servers {
			<-joined
		}
		open.Do(func() { close(gate) })
	}()
	runAll(t, servers*perServer, func(i int) error {
		srv := srvs[i%servers]
		dbs, err := c.ListDatabases(t.Context(), srv.Identifier, true)
		if err == nil && len(dbs) != perServer {
			err = fmt.Errorf("server %s: %d databases, want %d", srv.Identifier, len(dbs), perServer)
		}
		return err
	})
	if n := p.Requests(paneltest.RouteListDatabases); n != servers {
		t.Fatalf("%d list requests for %d reads on %d servers, want %d", n, servers*perServer, servers, servers)
	}
}

func TestSharingOffListsEveryTime(t *testing.T) {
	p, srvs, c := sharePanel(t, 1, 2)
	DisableSharing(c)
	for range 3 {
		if _, err := c.ListDatabases(t.Context(), srvs[0].Identifier, true); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.Requests(paneltest.RouteListDatabases); n != 3 {
		t.Fatalf("%d list requests, want 3", n)
	}
}

func TestSharedListsAreCopies(t *testing.T) {
	_, srvs, c := sharePanel(t, 1, 2)
	a, err := c.ListDatabases(t.Context(), srvs[0].Identifier, true)
	if err != nil {
		t.Fatal(err)
	}
	want := a[0]
	a[0].Password, a[0].Name = "changed by one caller", "changed"
	b, err := c.ListDatabases(t.Context(), srvs[0].Identifier, true)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != want {
		t.Fatalf("a caller's change reached another caller: %+v", b[0])
	}
}

// With and without passwords are different answers; the short identifier and the UUID are
// the same server.
func TestShareKeys(t *testing.T) {
	p, srvs, c := sharePanel(t, 1, 1)
	s := srvs[0]
	ctx := t.Context()
	for _, call := range []struct {
		server  string
		include bool
	}{{s.Identifier, true}, {s.UUID, true}, {strings.ToUpper(s.UUID), true}, {s.Identifier, false}, {s.UUID, false}} {
		if _, err := c.ListDatabases(ctx, call.server, call.include); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.Requests(paneltest.RouteListDatabases); n != 2 {
		t.Fatalf("%d list requests, want 2: one with passwords, one without", n)
	}
	// A write through the UUID is a write to the identifier's server too.
	db := p.Databases(s.Identifier)[0]
	rotated, err := c.RotateDatabasePassword(ctx, s.UUID, db.ID)
	if err != nil {
		t.Fatal(err)
	}
	dbs, err := c.ListDatabases(ctx, s.Identifier, true)
	if err != nil {
		t.Fatal(err)
	}
	if dbs[0].Password != rotated.Password {
		t.Fatal("a read after a rotate through the UUID saw the old password")
	}
}

// No read that starts after a write sees what was there before it.
func TestWritesInvalidate(t *testing.T) {
	p, srvs, c := sharePanel(t, 2, 1)
	a, b := srvs[0].Identifier, srvs[1].Identifier
	ctx := t.Context()
	list := func(server string) []Database {
		t.Helper()
		dbs, err := c.ListDatabases(ctx, server, true)
		if err != nil {
			t.Fatal(err)
		}
		return dbs
	}
	list(a)
	list(b)
	created, err := c.CreateDatabase(ctx, a, CreateDatabaseInput{Name: "fresh", Remote: "%"})
	if err != nil {
		t.Fatal(err)
	}
	if dbs := list(a); len(dbs) != 2 || dbs[1].ID != created.ID {
		t.Fatalf("after a create the list has %d databases, want the new one too", len(dbs))
	}
	rotated, err := c.RotateDatabasePassword(ctx, a, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dbs := list(a); dbs[1].Password != rotated.Password {
		t.Fatal("after a rotate the list has the old password")
	}
	if err := c.DeleteDatabase(ctx, a, created.ID); err != nil {
		t.Fatal(err)
	}
	if dbs := list(a); len(dbs) != 1 {
		t.Fatalf("after a delete the list has %d databases, want 1", len(dbs))
	}
	// Server B saw no write: its first answer still serves.
	before := p.Requests(paneltest.RouteListDatabases)
	list(b)
	if n := p.Requests(paneltest.RouteListDatabases) - before; n != 0 {
		t.Fatalf("a write to server A made server B list again (%d requests)", n)
	}
}

// gatedPanel answers the first list only when released, and later ones at once, each with a
// password that says which answer it was.
type gatedPanel struct {
	lists   atomic.Int32
	arrived chan struct{}
	release chan struct{}
}

func (g *gatedPanel) handler(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	n := g.lists.Add(1)
	if n == 1 {
		close(g.arrived)
		<-g.release
	}
	writeJSON(w, 200, fmt.Sprintf(`{"object":"list","data":[{"object":"server_database","attributes":{"id":"abcdEFGH",
		"name":"s1_db","host":{"address":"h","port":3306},"relationships":{"password":{"object":"database_password",
		"attributes":{"password":"answer-%d"}}}}}]}`, n))
}

func newGatedPanel(t *testing.T) (*gatedPanel, *Client) {
	g := &gatedPanel{arrived: make(chan struct{}), release: make(chan struct{})}
	c, _, _ := handlerClient(t, g.handler, nil)
	return g, c
}

// A list in flight when a write starts is not handed to reads that start after the write, and
// its answer is not kept for them.
func TestReadAfterWriteDoesNotJoinEarlierRequest(t *testing.T) {
	g, c := newGatedPanel(t)
	ctx := t.Context()
	early := make(chan []Database, 1)
	go func() {
		dbs, _ := c.ListDatabases(ctx, "1a7ce997", true)
		early <- dbs
	}()
	<-g.arrived
	if err := c.DeleteDatabase(ctx, "1a7ce997", "other"); err != nil {
		t.Fatal(err)
	}
	late, err := c.ListDatabases(ctx, "1a7ce997", true)
	if err != nil {
		t.Fatal(err)
	}
	close(g.release)
	if got := <-early; len(got) != 1 || got[0].Password != "answer-1" {
		t.Fatalf("the early read got %+v", got)
	}
	if late[0].Password != "answer-2" {
		t.Fatalf("a read after the write got %q, an answer from before it", late[0].Password)
	}
	again, err := c.ListDatabases(ctx, "1a7ce997", true)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Password != "answer-2" || g.lists.Load() != 2 {
		t.Fatalf("later read got %q after %d lists; want the answer from after the write, kept", again[0].Password, g.lists.Load())
	}
}

// joinSignal returns a channel that receives a value each time a read joins a request in
// flight.
func joinSignal(c *Client) <-chan struct{} {
	ch := make(chan struct{}, 64)
	c.record.heldLists.joined = func() { ch <- struct{}{} }
	return ch
}

// One caller giving up does not fail the others waiting on the same request.
func TestCallerLeavingDoesNotCancelOthers(t *testing.T) {
	g, c := newGatedPanel(t)
	joined := joinSignal(c)
	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() {
		_, err := c.ListDatabases(ctx, "1a7ce997", true)
		first <- err
	}()
	<-g.arrived
	second := make(chan error, 1)
	go func() {
		dbs, err := c.ListDatabases(t.Context(), "1a7ce997", true)
		if err == nil && dbs[0].Password != "answer-1" {
			err = fmt.Errorf("got %q", dbs[0].Password)
		}
		second <- err
	}()
	<-joined
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up got %v, want context.Canceled", err)
	}
	close(g.release)
	if err := <-second; err != nil {
		t.Fatalf("the caller still waiting: %v", err)
	}
	if n := g.lists.Load(); n != 1 {
		t.Fatalf("%d list requests, want the one both waited on", n)
	}
}

// Failures are not kept: the next read asks again.
func TestFailedListsAreNotKept(t *testing.T) {
	p, srvs, c := sharePanel(t, 1, 1)
	p.InjectFault(paneltest.Fault{Route: paneltest.RouteListDatabases, Status: http.StatusConflict})
	if _, err := c.ListDatabases(t.Context(), srvs[0].Identifier, true); !IsConflict(err) {
		t.Fatalf("error = %v, want the injected 409", err)
	}
	if _, err := c.ListDatabases(t.Context(), srvs[0].Identifier, true); err != nil {
		t.Fatal(err)
	}
	if n := p.Requests(paneltest.RouteListDatabases); n != 2 {
		t.Fatalf("%d list requests, want 2", n)
	}
}

// An answer is reused only for a short while.
func TestSharedAnswersExpire(t *testing.T) {
	p, srvs, c := sharePanel(t, 1, 1)
	now := time.Now()
	c.now = func() time.Time { return now }
	list := func() {
		t.Helper()
		if _, err := c.ListDatabases(t.Context(), srvs[0].Identifier, true); err != nil {
			t.Fatal(err)
		}
	}
	list()
	now = now.Add(shareFor - time.Second)
	list()
	now = now.Add(time.Second)
	list()
	if n := p.Requests(paneltest.RouteListDatabases); n != 2 {
		t.Fatalf("%d list requests, want 2: reused within %s, asked again after", n, shareFor)
	}
}

// A read that starts after a write never joins a request made during the write: the panel
// may have answered that one before the write was done.
func TestReadAfterWriteDoesNotJoinRequestMadeDuringIt(t *testing.T) {
	var lists atomic.Int32
	deleting, deleted := make(chan struct{}), make(chan struct{})
	listing, listed := make(chan struct{}), make(chan struct{})
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			close(deleting)
			<-deleted
			w.WriteHeader(http.StatusNoContent)
			return
		}
		n := lists.Add(1)
		if n == 2 {
			close(listing)
			<-listed
		}
		writeJSON(w, 200, fmt.Sprintf(`{"object":"list","data":[{"object":"server_database","attributes":{"id":"abcdEFGH",
			"name":"s1_db","host":{"address":"h","port":3306},"relationships":{"password":{"object":"database_password",
			"attributes":{"password":"answer-%d"}}}}}]}`, n))
	}, nil)
	joined := joinSignal(c)
	ctx := t.Context()
	// A first answer, so the pacer knows the panel answers and lets requests overlap.
	if _, err := c.ListDatabases(ctx, "1a7ce997", true); err != nil {
		t.Fatal(err)
	}
	write := make(chan error, 1)
	go func() { write <- c.DeleteDatabase(ctx, "1a7ce997", "other") }()
	<-deleting
	during := make(chan []Database, 1)
	go func() {
		dbs, _ := c.ListDatabases(ctx, "1a7ce997", true)
		during <- dbs
	}()
	<-listing
	close(deleted)
	if err := <-write; err != nil {
		t.Fatal(err)
	}
	after := make(chan []Database, 1)
	go func() {
		dbs, _ := c.ListDatabases(ctx, "1a7ce997", true)
		after <- dbs
	}()
	var got []Database
	select {
	case got = <-after: // it is not served by the request still held
	case <-joined:
		close(listed)
		t.Fatal("a read after the write joined the request made during it")
	}
	close(listed)
	if got[0].Password != "answer-3" {
		t.Fatalf("a read after the write got %q, from a request made during it", got[0].Password)
	}
	if dbs := <-during; dbs[0].Password != "answer-2" {
		t.Fatalf("the read during the write got %q", dbs[0].Password)
	}
}
