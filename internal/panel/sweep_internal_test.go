package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
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

// A sweep that read the panel before this client deleted a database, and whose answer came back
// after the delete, does not bring the database back into what the client knows. Found by the
// simulation (seed 753230306, with landSwept keeping a page whatever the server's generation):
// a check after the delete showed the database again.
func TestSweepFromBeforeAWriteIsNotKept(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{CreateRateLimit: -1, DatabaseHosts: 1})
	srv, other := p.AddServer(paneltest.Server{}), p.AddServer(paneltest.Server{})
	gone := p.AddDatabase(srv.Identifier, "gone", "%")
	late := lateAnswers{match: "databases.password", arrived: make(chan struct{}), release: make(chan struct{})}
	c, err := New(Config{URL: p.URL(), APIKey: p.AddKey(paneltest.Key{Application: true}), HTTPClient: &http.Client{Transport: late}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	clock := time.Now()
	c.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
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
	mu.Lock()
	clock = clock.Add(shareFor)
	mu.Unlock()
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
	c, err := New(Config{URL: p.URL(), APIKey: p.AddKey(paneltest.Key{Application: true})})
	if err != nil {
		t.Fatal(err)
	}
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
