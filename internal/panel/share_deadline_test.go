package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// Deadlines and cancellation of shared lists: each caller leaves at its own deadline, no
// caller fails because of another's, and a request nobody waits for any more stops.

// blockingList answers the first list only once release is closed (or its client has gone),
// and every later one at once. arrived receives a value when a request comes in.
type blockingList struct {
	requests atomic.Int32
	arrived  chan struct{}
	release  chan struct{}
	gone     chan struct{} // closed when the first request's client hung up
}

func newBlockingList() *blockingList {
	return &blockingList{arrived: make(chan struct{}, 16), release: make(chan struct{}), gone: make(chan struct{})}
}

func (b *blockingList) serve(w http.ResponseWriter, r *http.Request) {
	n := b.requests.Add(1)
	b.arrived <- struct{}{}
	if n == 1 {
		select {
		case <-b.release:
		case <-r.Context().Done():
			close(b.gone)
			return
		}
	}
	writeJSON(w, 200, listBody)
}

// A reader that joins a list started by a caller with a short deadline gets the answer after
// that deadline has passed, from the same request.
func TestSharedListOutlivesTheFirstCallersDeadline(t *testing.T) {
	b := newBlockingList()
	c, _, _ := handlerClient(t, b.serve, func(cfg *Config) { cfg.MaxRetries = -1 })
	joined := joinSignal(c)
	short, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	first := make(chan error, 1)
	go func() {
		_, err := c.ListDatabases(short, "1a7ce997", true)
		first <- err
	}()
	<-b.arrived
	second := make(chan error, 1)
	go func() {
		_, err := c.ListDatabases(t.Context(), "1a7ce997", true)
		second <- err
	}()
	<-joined
	if err := <-first; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the first caller got %v, want its own deadline", err)
	}
	close(b.release)
	if err := <-second; err != nil {
		t.Fatalf("the caller without a deadline failed: %v", err)
	}
	if n := b.requests.Load(); n != 1 {
		t.Fatalf("%d list requests, want the one both waited on", n)
	}
}

// Parallel reads of a server too slow to answer within the request timeout share that
// request's failure: it is the panel's, not a caller's deadline, so nobody lists again alone.
func TestSharedAttemptTimeoutIsEveryonesFailure(t *testing.T) {
	const readers = 8
	b := newBlockingList()
	c, _, _ := handlerClient(t, b.serve, func(cfg *Config) { cfg.MaxRetries = -1 })
	joined := joinSignal(c)
	fire := make(chan struct{})
	timeoutOn(c, fire)
	errs := make(chan error, readers)
	for i := range readers {
		ctx, cancel := context.WithTimeout(t.Context(), time.Duration(i+1)*time.Hour)
		defer cancel()
		go func() {
			_, err := c.ListDatabases(ctx, "1a7ce997", true)
			errs <- err
		}()
		if i == 0 {
			<-b.arrived
		} else {
			<-joined
		}
	}
	fire <- struct{}{} // the request timeout ends the one attempt, and only it
	for range readers {
		err := <-errs
		var te *TransportError
		if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a reader got %v, want the shared attempt's timeout", err)
		}
	}
	if n := b.requests.Load(); n != 1 {
		t.Fatalf("%d list requests for %d parallel reads, want 1", n, readers)
	}
}

// readAsync lists the test server's databases with ctx in the background; the channel gets
// the error.
func readAsync(c *Client, ctx context.Context) <-chan error {
	out := make(chan error, 1)
	go func() {
		_, err := c.ListDatabases(ctx, "1a7ce997", true)
		out <- err
	}()
	return out
}

// throttledOnce is a panel whose first request is answered, once release is closed, with a
// 429 asking for 20 seconds; every later request is answered at once. arrived is closed when
// the first request comes in.
type throttledOnce struct {
	requests         atomic.Int32
	arrived, release chan struct{}
}

func newThrottledOnce() *throttledOnce {
	return &throttledOnce{arrived: make(chan struct{}), release: make(chan struct{})}
}

func (th *throttledOnce) serve(w http.ResponseWriter, _ *http.Request) {
	if th.requests.Add(1) == 1 {
		close(th.arrived)
		<-th.release
		w.Header().Set("Retry-After", "20")
		writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
		return
	}
	writeJSON(w, 200, listBody)
}

// shortThenJoined starts a read with a deadline of 5s, waits for its request to reach the
// panel, then starts a read without a deadline and waits for it to join the first.
func shortThenJoined(t *testing.T, c *Client, arrived <-chan struct{}) (first, second <-chan error) {
	t.Helper()
	joined := joinSignal(c)
	short, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	t.Cleanup(cancel)
	first = readAsync(c, short)
	<-arrived
	second = readAsync(c, t.Context())
	<-joined
	return first, second
}

// The retry of a shared request is judged against the latest deadline among its callers: a
// 429 whose wait the first caller cannot afford does not fail a joiner that can.
func TestJoinerDoesNotFailOnAnotherCallersDeadline(t *testing.T) {
	th := newThrottledOnce()
	c, rec, _ := handlerClient(t, th.serve, nil)
	first, second := shortThenJoined(t, c, th.arrived)
	close(th.release)
	if err := <-second; err != nil {
		t.Fatalf("the caller without a deadline failed: %v", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("the first caller, still within its deadline when the answer came: %v", err)
	}
	if n := th.requests.Load(); n != 2 || len(rec.waits) != 1 || rec.waits[0] != 20*time.Second {
		t.Fatalf("%d requests, waits %v; want the 429, the 20s it asked for, and the retry", n, rec.waits)
	}
}

// A failure decided by an earlier deadline than a caller's own is not that caller's: it asks
// again. Here the decision was made before the caller joined.
func TestCallerWithMoreTimeAsksAgain(t *testing.T) {
	if !hasMoreTime(context.Background(), &deadlineError{deadline: time.Now(), err: errors.New("x")}) {
		t.Error("a caller without a deadline has more time than any deadline")
	}
	late, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	early, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	dl, _ := early.Deadline()
	decided := fmt.Errorf("list: %w", &deadlineError{deadline: dl, err: errors.New("429 (would pass the operation's deadline)")})
	if !hasMoreTime(late, decided) {
		t.Error("a caller with a later deadline must ask again")
	}
	if hasMoreTime(early, decided) {
		t.Error("the caller whose deadline decided must take the failure")
	}
	if hasMoreTime(late, errors.New("a failure of the panel's")) {
		t.Error("a failure the panel decided is everyone's")
	}
}

// When every caller of a shared request has left, the request stops: its connection is
// closed and it is not retried.
func TestSharedRequestStopsWhenEveryCallerHasLeft(t *testing.T) {
	b := newBlockingList()
	c, rec, _ := handlerClient(t, b.serve, nil)
	joined := joinSignal(c)
	ctx1, cancel1 := context.WithCancel(t.Context())
	ctx2, cancel2 := context.WithCancel(t.Context())
	errs := make(chan error, 2)
	go func() {
		_, err := c.ListDatabases(ctx1, "1a7ce997", true)
		errs <- err
	}()
	<-b.arrived
	go func() {
		_, err := c.ListDatabases(ctx2, "1a7ce997", true)
		errs <- err
	}()
	<-joined
	c.record.heldLists.mu.Lock()
	var f *flight[[]Database]
	for _, fl := range c.record.heldLists.m {
		f = fl
	}
	c.record.heldLists.mu.Unlock()
	cancel1()
	cancel2()
	for range 2 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Fatalf("a caller got %v, want its own cancellation", err)
		}
	}
	select {
	case <-b.gone: // the panel saw the client hang up
	case <-time.After(time.Minute):
		t.Fatal("the shared request went on after every caller had left")
	}
	<-f.done // the request is over
	if n := b.requests.Load(); n != 1 || len(rec.waits) != 0 {
		t.Fatalf("%d requests and waits %v after every caller left; want the one request, not retried", n, rec.waits)
	}
	if !errors.Is(f.err, context.Canceled) {
		t.Fatalf("the shared request ended with %v, want context.Canceled", f.err)
	}
}

// A pacing wait the first caller could not afford sends the request anyway, and the panel's
// 429 that follows is waited out for a joiner that has the time: the first caller's deadline
// decides nothing for it.
func TestJoinerDoesNotFailOnAnUnaffordablePacingWait(t *testing.T) {
	th := newThrottledOnce()
	c, _, _ := handlerClient(t, th.serve, nil)
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	c.sleep, c.now, c.until = clock.sleep, clock.Now, clock.advanceTo
	// The window is used up for 20 more seconds, as an earlier 429 said: more than the first
	// caller has, so its request is sent without waiting.
	c.observe(admitted(t, c, call{op: "list"}), 429, rateHeaders(720, 0, 20*time.Second))
	first, second := shortThenJoined(t, c, th.arrived)
	close(th.release)
	if err := <-second; err != nil {
		t.Fatalf("the caller without a deadline failed: %v", err)
	}
	// Still within its deadline in real time, the first caller gets the answer too.
	if err := <-first; err != nil {
		t.Fatalf("the first caller: %v", err)
	}
	if n := th.requests.Load(); n != 2 {
		t.Fatalf("%d requests, want the refused one and its retry", n)
	}
}

// A caller that joins a shared request after its retry was given up on for an earlier
// deadline than its own asks again rather than take that failure.
func TestCallerJoiningAfterADeadlineDecisionAsksAgain(t *testing.T) {
	var requests atomic.Int32
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		writeJSON(w, 200, listBody)
	}, nil)
	joined := joinSignal(c)
	short, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	// A request in flight for the short caller, run by the test rather than by the client.
	key := heldFlightKey("1a7ce997", true, 0)
	f, started, _, _ := c.record.heldLists.join(short, key, nil)
	if !started {
		t.Fatal("no request was in flight, yet none was started")
	}
	got := make(chan error, 1)
	go func() {
		_, err := c.ListDatabases(t.Context(), "1a7ce997", true)
		got <- err
	}()
	<-joined
	dl, _ := short.Deadline()
	decided := &deadlineError{deadline: dl, err: errors.New("list: 429 (gave up: waiting 20s more would pass the operation's deadline)")}
	c.record.heldLists.land(key, f, nil, decided)
	if err := <-got; err != nil {
		t.Fatalf("the caller without a deadline took the short caller's failure: %v", err)
	}
	if n := requests.Load(); n != 1 {
		t.Fatalf("%d requests, want the one it asked again with", n)
	}
}
