package panel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// A create whose answer does not come is never sent again: the panel finishes requests its
// client gave up on, and its name check takes no lock, so on a panel with two database hosts
// a second create of the same name lands on the other host and commits too.

// timeoutOn makes each attempt's request timeout fire when ch delivers a value, rather than
// after a duration, so a test ends exactly the attempt it means to.
func timeoutOn(c *Client, ch <-chan struct{}) {
	c.attemptTimer = func(_ time.Duration, f func()) func() bool {
		stop, exited := make(chan struct{}), make(chan struct{})
		var once sync.Once
		go func() {
			defer close(exited)
			select {
			case <-ch:
				f()
			case <-stop:
			}
		}()
		// Stopping waits for the watcher to exit, so a finished attempt never takes a value
		// meant for a later one.
		return func() bool { once.Do(func() { close(stop); <-exited }); return true }
	}
}

// slowCreatePanel is a panel with two database hosts and one server, whose next create stays
// on its host until release is closed. The client's attempt at that create times out as soon
// as the create is on its host. sleeps records the client's waits; after the holdFor-th wait
// the create is let go and the panel is waited on, so the next lookup can find it.
type slowCreatePanel struct {
	panel   *paneltest.Panel
	server  paneltest.Server
	client  *Client
	release chan struct{}
	once    sync.Once
	sleeps  []time.Duration
}

// letGo ends the held create's time on its host.
func (s *slowCreatePanel) letGo() { s.once.Do(func() { close(s.release) }) }

func newSlowCreatePanel(t *testing.T, flavor paneltest.Flavor, holdFor int) *slowCreatePanel {
	t.Helper()
	p := paneltest.Start(t, paneltest.Options{Flavor: flavor, CreateRateLimit: -1, DatabaseHosts: 2})
	srv := p.AddServer(paneltest.Server{InternalID: 7})
	key := p.AddKey(paneltest.Key{Servers: map[string][]string{srv.Identifier: {"*"}}})
	c, err := New(Config{URL: p.URL(), APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	s := &slowCreatePanel{panel: p, server: srv, client: c, release: make(chan struct{})}
	onHost := make(chan struct{})
	p.InjectFault(paneltest.Fault{Route: paneltest.RouteCreateDatabase, HostHold: s.release, OnHost: onHost})
	t.Cleanup(s.letGo)
	timeoutOn(c, onHost)
	c.sleep = func(ctx context.Context, d time.Duration) error {
		s.sleeps = append(s.sleeps, d)
		if len(s.sleeps) == holdFor {
			s.letGo()
			if err := p.WaitIdle(ctx); err != nil {
				return err
			}
		}
		return ctx.Err()
	}
	return s
}

func TestUnansweredCreateIsLookedUpNotSentAgain(t *testing.T) {
	for _, flavor := range []paneltest.Flavor{paneltest.Pterodactyl, paneltest.Pelican} {
		t.Run(string(flavor), func(t *testing.T) {
			s := newSlowCreatePanel(t, flavor, 3)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			db, err := s.client.CreateDatabase(ctx, s.server.Identifier, CreateDatabaseInput{Name: "app", Remote: "%"})
			if err != nil {
				t.Fatal(err)
			}
			s.letGo() // let go by now unless the create came back without the lookups
			if err := s.panel.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			dbs := s.panel.Databases(s.server.Identifier)
			if len(dbs) != 1 {
				t.Fatalf("the panel holds %d databases named s7_app, want exactly 1: %+v", len(dbs), dbs)
			}
			if db.ID != dbs[0].ID || db.Password != dbs[0].Password || db.PasswordState != PasswordIncluded {
				t.Fatalf("returned %+v, want the panel's %+v", db, dbs[0])
			}
			if n := s.panel.Requests(paneltest.RouteCreateDatabase); n != 1 {
				t.Fatalf("%d create requests, want 1", n)
			}
			// One list before the create, then a lookup after each wait: the three that found
			// nothing and the one that found it.
			if n := s.panel.Requests(paneltest.RouteListDatabases); n != 1+4 {
				t.Fatalf("%d list requests, want the check and 4 lookups", n)
			}
			want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
			if fmt.Sprint(s.sleeps) != fmt.Sprint(want) {
				t.Fatalf("waits between lookups = %v, want %v", s.sleeps, want)
			}
		})
	}
}

// When the create timeout ends before the database appears, the error says the panel may
// still finish it, and the next create of the name finds it and refuses, naming it.
func TestUnconfirmedCreateIsReportedAndFoundLater(t *testing.T) {
	s := newSlowCreatePanel(t, paneltest.Pterodactyl, -1)
	ctx, cancel := context.WithCancel(t.Context())
	lookups := 0
	s.client.sleep = func(ctx context.Context, _ time.Duration) error {
		if lookups++; lookups == 2 {
			cancel() // the operation's time runs out during the second wait
		}
		return ctx.Err()
	}
	_, err := s.client.CreateDatabase(ctx, s.server.Identifier, CreateDatabaseInput{Name: "app", Remote: "%"})
	var u *UnconfirmedCreateError
	if !errors.As(err, &u) {
		t.Fatalf("error = %v, want an UnconfirmedCreateError", err)
	}
	// Two lookups during the call, and one more of its own once the call's time was up.
	if u.Lookups != 3 || u.Name != "app" || u.Server != s.server.Identifier || u.Unlisted {
		t.Fatalf("error = %+v", u)
	}
	for _, want := range []string{
		`create database "app" on server ` + s.server.Identifier + `: no answer from the panel at `,
		"no answer from the panel at ", ": the request timeout of 30s ran out",
		". The database did not appear on server " + s.server.Identifier + " in 3 lookups over",
		"; the panel may still finish the create",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\nwant it to contain %q", err, want)
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not carry the attempt's timeout", err)
	}
	if n := s.panel.Requests(paneltest.RouteCreateDatabase); n != 1 {
		t.Fatalf("%d create requests, want 1", n)
	}

	// The panel finishes; the next create of the name sends nothing and names the database.
	s.letGo()
	if err := s.panel.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	made := s.panel.Databases(s.server.Identifier)
	if len(made) != 1 {
		t.Fatalf("the panel holds %d databases, want the one the unanswered create made", len(made))
	}
	_, err = s.client.CreateDatabase(t.Context(), s.server.Identifier, CreateDatabaseInput{Name: "app", Remote: "%"})
	var taken *NameTakenError
	if !errors.As(err, &taken) || taken.Existing.ID != made[0].ID {
		t.Fatalf("error = %v, want a NameTakenError for %s", err, made[0].ID)
	}
	if n := s.panel.Requests(paneltest.RouteCreateDatabase); n != 1 {
		t.Fatalf("%d create requests, want still 1", n)
	}
}

// createHandler is a panel of one server (internal id 1) whose databases tests control. The
// create answer is decided by onCreate, which may add the database and then fail the request.
type createHandler struct {
	mu       sync.Mutex
	dbs      []string // JSON objects
	creates  int
	lists    int
	onCreate func(h *createHandler, w http.ResponseWriter, name, remote string)
	onList   func(h *createHandler) // called with h.mu held, before the answer
}

func (h *createHandler) add(id, name, remote string) string {
	obj := fmt.Sprintf(`{"object":"server_database","attributes":{"id":%q,"name":%q,"username":"u1_abcdefghij",
		"connections_from":%q,"host":{"address":"h","port":3306},"max_connections":0,
		"relationships":{"password":{"object":"database_password","attributes":{"password":"pw-%s"}}}}}`, id, name, remote, id)
	h.dbs = append(h.dbs, obj)
	return obj
}

func (h *createHandler) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Method == http.MethodGet {
		h.lists++
		if h.onList != nil {
			h.onList(h)
		}
		writeJSON(w, 200, `{"object":"list","data":[`+strings.Join(h.dbs, ",")+`]}`)
		return
	}
	h.creates++
	var in struct{ Database, Remote string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	h.onCreate(h, w, "s1_"+in.Database, in.Remote)
}

// A database of the same name that does not have the remote asked for is someone else's
// (a same-named create from elsewhere, on another host): it is not taken as this create's.
func TestLookupTakesOnlyTheDatabaseAskedFor(t *testing.T) {
	h := &createHandler{onCreate: func(h *createHandler, w http.ResponseWriter, name, _ string) {
		h.add("abcdEFGH", name, "10.0.0.%")
		w.WriteHeader(http.StatusBadGateway)
	}}
	c, _, _ := handlerClient(t, h.serve, nil)
	ctx, cancel := context.WithCancel(t.Context())
	waits := 0
	c.sleep = func(ctx context.Context, _ time.Duration) error {
		if waits++; waits == 3 {
			cancel()
		}
		return ctx.Err()
	}
	_, err := c.CreateDatabase(ctx, "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
	var u *UnconfirmedCreateError
	if !errors.As(err, &u) || u.Lookups != 4 {
		t.Fatalf("error = %v, want an UnconfirmedCreateError after 4 lookups", err)
	}
	if h.creates != 1 {
		t.Fatalf("%d creates, want 1", h.creates)
	}
}

// A panel that refused the create in its own error envelope (a 500 after rolling back) made
// nothing: no lookup.
func TestPanelFailureOnCreateIsNotLookedUp(t *testing.T) {
	h := &createHandler{onCreate: func(_ *createHandler, w http.ResponseWriter, _, _ string) {
		writeJSON(w, 500, `{"errors":[{"code":"QueryException","status":"500","detail":"An unexpected error was encountered while processing this request, please try again."}]}`)
	}}
	c, _, _ := handlerClient(t, h.serve, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	h.onList = func(h *createHandler) {
		if h.lists > 1 {
			cancel() // a lookup: end the call rather than look until a deadline
		}
	}
	_, err := c.CreateDatabase(ctx, "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
		t.Fatalf("error = %v, want the panel's 500", err)
	}
	if h.creates != 1 || h.lists != 1 {
		t.Fatalf("%d creates and %d lists, want one each", h.creates, h.lists)
	}
}

// A key that may create but not list cannot look: the error says so rather than guess.
func TestUnansweredCreateWithoutReadPermission(t *testing.T) {
	var creates atomic.Int32
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			writeJSON(w, 403, `{"errors":[{"code":"AccessDeniedHttpException","status":"403","detail":"This action is unauthorized."}]}`)
			return
		}
		creates.Add(1)
		w.WriteHeader(http.StatusGatewayTimeout)
	}, nil)
	_, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
	var u *UnconfirmedCreateError
	if !errors.As(err, &u) || !u.Unlisted || !strings.Contains(err.Error(), "may not list the server's databases") {
		t.Fatalf("error = %v", err)
	}
	if creates.Load() != 1 {
		t.Fatalf("%d creates, want 1", creates.Load())
	}
}

// Only requests the panel never received are sent again: a 429 (the throttle answers before
// the controller), a 503 (maintenance mode, or a proxy without an upstream), and a
// connection that was never made.
func TestCreatesThePanelNeverReceivedAreSentAgain(t *testing.T) {
	var n atomic.Int32
	h := &createHandler{onCreate: func(h *createHandler, w http.ResponseWriter, name, remote string) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, `{"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]}`)
		case 2:
			writeJSON(w, 503, `{"errors":[{"code":"HttpException","status":"503","detail":"Service Unavailable"}]}`)
		default:
			writeJSON(w, 200, h.add("abcdEFGH", name, remote))
		}
	}}
	srv := httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(srv.Close)
	// The first connection for the create is never made.
	var dials atomic.Int32
	tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 2 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connect: connection refused")}
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	c, err := New(Config{URL: srv.URL, APIKey: testKey, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &sleepRecorder{}
	c.sleep = rec.sleep
	// A lookup would mean a create was taken for one that may have been applied: end the call.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	h.onList = func(h *createHandler) {
		if h.lists > 1 {
			cancel()
		}
	}
	db, err := c.CreateDatabase(ctx, "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
	if err != nil {
		t.Fatal(err)
	}
	if db.ID != "abcdEFGH" || h.creates != 3 || h.lists != 1 {
		t.Fatalf("got %+v after %d creates and %d lists; want 3 creates (429, 503, success) and no lookup", db, h.creates, h.lists)
	}
	if len(rec.waits) != 3 {
		t.Fatalf("waits = %v, want one before each attempt after the first", rec.waits)
	}
}

// A rotation or a delete is safe to send again, so their lost answers are retried as before.
func TestLostRotateIsSentAgain(t *testing.T) {
	var rotations atomic.Int32
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, _ *http.Request) {
		if rotations.Add(1) == 1 {
			w.WriteHeader(http.StatusGatewayTimeout)
			return
		}
		writeJSON(w, 200, `{"object":"server_database","attributes":{"id":"abcdEFGH","name":"s1_app","host":{"address":"h","port":3306}}}`)
	}, nil)
	if _, err := c.RotateDatabasePassword(t.Context(), "1a7ce997", "abcdEFGH"); err != nil {
		t.Fatal(err)
	}
	if rotations.Load() != 2 {
		t.Fatalf("%d rotations, want 2", rotations.Load())
	}
}

// Creates through the UUID and through the identifier of one server are one server's creates,
// so they run one at a time: the second waits for the first, whose create is held.
func TestCreatesSerializedAcrossServerForms(t *testing.T) {
	var posts atomic.Int32
	arrived, release := make(chan struct{}, 2), make(chan struct{})
	c, _, _ := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			arrived <- struct{}{}
			if posts.Add(1) == 1 {
				<-release
			}
			writeJSON(w, 200, `{"object":"server_database","attributes":{"id":"x`+r.URL.Path[len(r.URL.Path)-1:]+`","name":"s1_a","connections_from":"%","host":{"address":"h","port":3306}}}`)
			return
		}
		writeJSON(w, 200, listBody)
	}, nil)
	waiting := make(chan struct{}, 1)
	c.creates.waiting = func() { waiting <- struct{}{} }
	done := make(chan error, 2)
	create := func(server, name string) {
		_, err := c.CreateDatabase(t.Context(), server, CreateDatabaseInput{Name: name, Remote: "%"})
		done <- err
	}
	go create("1a7ce997", "axx")
	<-arrived
	go create("1a7ce997-259b-452e-8b4e-cecc464142ca", "bxx")
	select {
	case <-waiting:
	case <-arrived:
		close(release)
		t.Fatal("a create through the UUID was sent while one through the identifier was in flight")
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if n := posts.Load(); n != 2 {
		t.Fatalf("%d creates, want 2", n)
	}
}

// resetOnSecondWrite is a connection whose second write fails having sent nothing, as a
// kept-alive connection the peer has reset does.
type resetOnSecondWrite struct {
	net.Conn
	writes atomic.Int32
}

func (c *resetOnSecondWrite) Write(b []byte) (int, error) {
	if c.writes.Add(1) == 2 {
		return 0, &net.OpError{Op: "write", Net: "tcp", Err: syscall.ECONNRESET}
	}
	return c.Conn.Write(b)
}

// net/http sends a request again on a new connection by itself when nothing of it was
// written. When that connection is refused, the create was never received: it is sent
// again, not looked up.
func TestCreateNeverWrittenIsSentAgain(t *testing.T) {
	h := &createHandler{onCreate: func(h *createHandler, w http.ResponseWriter, name, remote string) {
		writeJSON(w, 200, h.add("abcdEFGH", name, remote))
	}}
	srv := httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(srv.Close)
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		switch dials.Add(1) {
		case 1: // the pre-create list, then the create on the same connection, which was reset
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &resetOnSecondWrite{Conn: conn}, nil
		case 2: // net/http's own second try: the panel is restarting
			return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	c, err := New(Config{URL: srv.URL, APIKey: testKey, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = (&sleepRecorder{}).sleep
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	h.onList = func(h *createHandler) {
		if h.lists > 1 {
			cancel() // a lookup: end the call rather than look until a deadline
		}
	}
	db, err := c.CreateDatabase(ctx, "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
	if err != nil {
		t.Fatal(err)
	}
	if db.ID != "abcdEFGH" || h.creates != 1 || h.lists != 1 || dials.Load() != 3 {
		t.Fatalf("got %+v after %d creates, %d lists and %d dials; want the create sent again on a third connection",
			db, h.creates, h.lists, dials.Load())
	}
}

// A proxy's 500 or 503, without the panel's error envelope, may come after it passed the
// create on; like a 502 or 504, the create is looked up, not sent again.
func TestProxyFailuresOnCreateAreLookedUp(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			h := &createHandler{onCreate: func(h *createHandler, w http.ResponseWriter, name, remote string) {
				h.add("abcdEFGH", name, remote) // the panel made it; the proxy lost its answer
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(status)
				_, _ = w.Write([]byte("upstream connect error or disconnect/reset before headers"))
			}}
			c, rec, _ := handlerClient(t, h.serve, nil)
			db, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
			if err != nil {
				t.Fatal(err)
			}
			if db.ID != "abcdEFGH" || db.Password != "pw-abcdEFGH" {
				t.Fatalf("adopted %+v", db)
			}
			if h.creates != 1 || h.lists != 2 || len(rec.waits) != 0 {
				t.Fatalf("%d creates, %d lists, waits %v; want 1 create, the check and one lookup, no wait", h.creates, h.lists, rec.waits)
			}
		})
	}
}

// The panel answered 2xx, so it made the database, even if the answer cannot be decoded (a
// PHP notice printed before the JSON): it is looked up.
func TestAppliedCreateWithAnUnreadableAnswerIsLookedUp(t *testing.T) {
	h := &createHandler{onCreate: func(h *createHandler, w http.ResponseWriter, name, remote string) {
		obj := h.add("abcdEFGH", name, remote)
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(200)
		_, _ = w.Write([]byte("<b>Deprecated</b>: something in vendor/x.php on line 1<br />\n" + obj))
	}}
	c, _, _ := handlerClient(t, h.serve, nil)
	db, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
	if err != nil {
		t.Fatal(err)
	}
	if db.ID != "abcdEFGH" || h.creates != 1 || h.lists != 2 {
		t.Fatalf("got %+v after %d creates and %d lists, want the database found by one lookup", db, h.creates, h.lists)
	}
}

// A refusal is a refusal, even when its answer was cut off: neither looked up nor sent again.
func TestRefusalWithACutOffAnswerIsNeitherLookedUpNorRetried(t *testing.T) {
	h := &createHandler{onCreate: func(_ *createHandler, w http.ResponseWriter, _, _ string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "500")
		w.WriteHeader(422)
		_, _ = w.Write([]byte(`{"errors":[{"code":"ValidationException"`))
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler) // the connection drops in the middle of the body
	}}
	c, _, _ := handlerClient(t, h.serve, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	h.onList = func(h *createHandler) {
		if h.lists > 1 {
			cancel()
		}
	}
	_, err := c.CreateDatabase(ctx, "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
	var te *TransportError
	if !errors.As(err, &te) || te.StatusCode != 422 || !strings.Contains(err.Error(), "the panel's answer (HTTP 422) from") {
		t.Fatalf("error = %v, want the cut-off 422", err)
	}
	if h.creates != 1 || h.lists != 1 {
		t.Fatalf("%d creates and %d lists, want one each", h.creates, h.lists)
	}
}

// A same-named database made elsewhere may be listed before the one this create made: the
// lookup still finds its own.
func TestLookupFindsItsOwnAmongSameNamedDatabases(t *testing.T) {
	h := &createHandler{onCreate: func(h *createHandler, w http.ResponseWriter, name, remote string) {
		h.add("forEIGN1", name, "10.0.0.%") // a same-named create from elsewhere, on another host
		h.add("abcdEFGH", name, remote)
		w.WriteHeader(http.StatusBadGateway)
	}}
	c, _, _ := handlerClient(t, h.serve, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	h.onList = func(h *createHandler) {
		if h.lists > 2 {
			cancel() // a second lookup: the first missed it
		}
	}
	db, err := c.CreateDatabase(ctx, "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
	if err != nil {
		t.Fatal(err)
	}
	if db.ID != "abcdEFGH" || h.lists != 2 {
		t.Fatalf("adopted %s after %d lists, want abcdEFGH from the first lookup", db.ID, h.lists)
	}
}

// Two databases of the name and remote appear after an unanswered create (the panel's name
// check takes no lock, and a create from elsewhere went to another host): either may be this
// create's, so neither is taken. The error names both.
func TestLookupDoesNotChooseBetweenTwoOfTheName(t *testing.T) {
	h := &createHandler{onCreate: func(h *createHandler, w http.ResponseWriter, name, remote string) {
		h.add("forEIGN1", name, remote)
		h.add("abcdEFGH", name, remote)
		w.WriteHeader(http.StatusBadGateway)
	}}
	c, _, _ := handlerClient(t, h.serve, nil)
	db, err := c.CreateDatabase(t.Context(), "1a7ce997", CreateDatabaseInput{Name: "app", Remote: "%"})
	var u *UnconfirmedCreateError
	if db != nil || !errors.As(err, &u) || len(u.Found) != 2 {
		t.Fatalf("CreateDatabase = %s, %v; want an error naming both databases", idOf(db), err)
	}
	if !strings.Contains(err.Error(), "(id forEIGN1) and ") || !strings.Contains(err.Error(), "(id abcdEFGH)") {
		t.Errorf("the error does not name both: %v", err)
	}
}
