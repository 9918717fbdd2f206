package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// lateAnswers holds back the answers of the requests whose URL contains match: each has reached
// the panel and been answered when arrived receives, and comes back when release is closed.
type lateAnswers struct {
	match   string
	arrived chan struct{}
	release chan struct{}
}

func (l lateAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if strings.Contains(req.URL.RawQuery, l.match) {
		l.arrived <- struct{}{}
		<-l.release
	}
	return res, err
}

// appClient is a client of p with an application key, through rt unless it is nil.
func appClient(t *testing.T, p *paneltest.Panel, rt http.RoundTripper) *Client {
	t.Helper()
	cfg := Config{URL: p.URL(), APIKey: p.AddKey(paneltest.Key{Application: true})}
	if rt != nil {
		cfg.HTTPClient = &http.Client{Transport: rt}
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A sweep that read the panel before this client deleted a database, and whose answer came back
// after the delete, does not bring the database back into what the client knows. Found by the
// simulation (seed 753230306, with landSwept keeping a page whatever the server's generation):
// a check after the delete showed the database again.
func TestSweepFromBeforeAWriteIsNotKept(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{CreateRateLimit: -1, DatabaseHosts: 1})
	srv, other := p.AddServer(paneltest.Server{}), p.AddServer(paneltest.Server{})
	gone := p.AddDatabase(srv.Identifier, "gone", "%")
	late := lateAnswers{match: "databases.password", arrived: make(chan struct{}), release: make(chan struct{})}
	c := appClient(t, p, late)
	clock := &fakeClock{now: time.Now()}
	c.now = clock.Now
	ctx := t.Context()
	id := strconv.Itoa(gone.InternalID)

	// The first sweep: the client knows the database.
	first := make(chan error, 1)
	go func() {
		_, err := c.KnownDatabases(ctx, srv.Identifier)
		first <- err
	}()
	<-late.arrived
	late.release <- struct{}{} // nothing else is held back yet: let this one answer
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// A minute on, a read of another server sweeps again; the panel answers it, but the
	// answer is late.
	_ = clock.sleep(ctx, shareFor)
	read := make(chan error, 1)
	go func() {
		_, err := c.ListDatabases(context.WithoutCancel(ctx), other.Identifier, true)
		read <- err
	}()
	<-late.arrived
	// Meanwhile the client deletes the database; then the sweep's answer lands.
	if err := c.DeleteDatabase(ctx, srv.Identifier, id); err != nil {
		t.Fatal(err)
	}
	close(late.release)
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	known, err := c.KnownDatabases(ctx, srv.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	if FindDatabase(known, id) != nil {
		t.Fatalf("the client knows %s again after deleting it: %+v", id, known)
	}
	dbs, err := c.ListDatabases(ctx, srv.Identifier, true)
	if err != nil || len(dbs) != 0 {
		t.Fatalf("a read after the delete: %+v, %v; want none", dbs, err)
	}
}

// A read that leaves while the sweep is in flight gets its context's error at once; the sweep,
// which no read waits for any more, stops, and is not taken for a failed one: the next read
// sweeps again.
func TestSweepStopsWhenItsReadsLeave(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{})
	srvs := []paneltest.Server{p.AddServer(paneltest.Server{}), p.AddServer(paneltest.Server{})}
	c := appClient(t, p, nil)
	arrived, gaveUp, landed := make(chan struct{}), make(chan struct{}), make(chan struct{}, 2)
	p.InjectFault(paneltest.Fault{Route: paneltest.RouteAppListServers, Latency: time.Hour, Arrived: arrived, GaveUp: gaveUp})
	c.record.sweepRuns.landed = func() { landed <- struct{}{} }
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.ListDatabases(ctx, srvs[0].Identifier, true)
		done <- err
	}()
	<-arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want the read's cancellation", err)
	}
	<-gaveUp // the sweep's request stopped: the test would time out otherwise
	<-landed
	if c.record.sweeps.due(c.now(), c.record.ttl) == false {
		t.Fatal("the stopped sweep was taken for one that landed: no read would sweep for a minute")
	}
	if _, err := c.ListDatabases(t.Context(), srvs[1].Identifier, true); err != nil {
		t.Fatal(err)
	}
	want := map[paneltest.Route]int{paneltest.RouteAppListServers: 2}
	if got := p.RequestCounts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("requests %v, want %v: the stopped sweep and the next", got, want)
	}
}

// The check before a create lists the server alone when its known list is a sweep's older than
// adoptWithin: a create whose answer is lost is then adopted, as it was before sweeps, and not
// reported unconfirmed because the name was last seen free too long before it was sent.
func TestCreateAfterAnOldSweepListsTheServer(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{CreateRateLimit: -1, DatabaseHosts: 1})
	srv := p.AddServer(paneltest.Server{})
	c := appClient(t, p, nil)
	clock := &fakeClock{now: time.Now()}
	c.now = clock.Now
	c.sleep = func(context.Context, time.Duration) error { return nil } // the lookups' waits
	ctx := t.Context()
	if _, err := c.KnownDatabases(ctx, srv.Identifier); err != nil { // the plan's check: a sweep
		t.Fatal(err)
	}
	_ = clock.sleep(ctx, adoptWithin+time.Second)
	p.InjectFault(paneltest.Fault{Route: paneltest.RouteAppCreateDatabase, DropAfterCommit: true})
	db, err := c.CreateDatabase(ctx, srv.Identifier, CreateDatabaseInput{Name: "late", Remote: "%", HostID: "1"})
	if err != nil {
		t.Fatalf("the create whose answer was lost: %v, want it adopted", err)
	}
	if on := p.Databases(srv.Identifier); len(on) != 1 || db.ID != strconv.Itoa(on[0].InternalID) {
		t.Fatalf("adopted %+v; the panel holds %+v", db, on)
	}
	if n := p.Requests(paneltest.RouteAppListServers); n != 1 {
		t.Fatalf("%d server list requests, want the one sweep: the check lists the server alone", n)
	}
}

// A sweep's page that lands after a list of the server sent later does not replace that list's
// answer: a read then sees what the later list saw (here a database made in the panel between
// the two).
func TestSweepDoesNotReplaceALaterList(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{CreateRateLimit: -1, DatabaseHosts: 1})
	srv, other := p.AddServer(paneltest.Server{}), p.AddServer(paneltest.Server{})
	late := lateAnswers{match: "databases.password", arrived: make(chan struct{}), release: make(chan struct{})}
	c := appClient(t, p, late)
	clock := &fakeClock{now: time.Now()}
	c.now = clock.Now
	ctx := t.Context()
	first := make(chan error, 1)
	go func() {
		_, err := c.ListDatabases(ctx, other.Identifier, true)
		first <- err
	}()
	<-late.arrived
	late.release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	_ = clock.sleep(ctx, shareFor)
	read := make(chan error, 1)
	go func() {
		_, err := c.ListDatabases(ctx, other.Identifier, true)
		read <- err
	}()
	<-late.arrived // the second sweep has read the panel; its answer waits
	made := p.AddDatabase(srv.Identifier, "made", "%")
	_ = clock.sleep(ctx, time.Second)
	if _, _, err := c.listRecorded(ctx, srv.Identifier, true, true); err != nil {
		t.Fatal(err)
	}
	close(late.release)
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	dbs, err := c.ListDatabases(ctx, srv.Identifier, true)
	if err != nil || FindDatabase(dbs, strconv.Itoa(made.InternalID)) == nil {
		t.Fatalf("read %+v, %v; want the database the later list saw", dbs, err)
	}
}

// A sweep that outlasts the deadline of every read waiting for it is not sent again by the
// next read, which asks for its server alone.
func TestSweepPastItsReadsDeadlinesIsNotSentAgain(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{})
	srvs := []paneltest.Server{p.AddServer(paneltest.Server{}), p.AddServer(paneltest.Server{})}
	c := appClient(t, p, nil)
	landed := make(chan struct{}, 2)
	c.record.sweepRuns.landed = func() { landed <- struct{}{} }
	p.InjectFault(paneltest.Fault{Route: paneltest.RouteAppListServers, Latency: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.ListDatabases(ctx, srvs[0].Identifier, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the read's deadline", err)
	}
	<-landed
	if _, err := c.ListDatabases(t.Context(), srvs[1].Identifier, true); err != nil {
		t.Fatal(err)
	}
	want := map[paneltest.Route]int{paneltest.RouteAppListServers: 2, paneltest.RouteAppListDatabases: 1}
	if got := p.RequestCounts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("requests %v, want %v: the sweep, then a lookup and a list of the server", got, want)
	}
}
