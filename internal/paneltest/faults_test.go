package paneltest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

func TestFaultStatusWithCount(t *testing.T) {
	f := setup(t, Options{})
	f.p.InjectFault(Fault{Route: RouteCreateDatabase, Status: http.StatusServiceUnavailable, Count: 2})
	body := map[string]string{"database": "mydb", "remote": "%"}
	for range 2 {
		wantError(t, f.owner.do("POST", f.dbPath(), body), 503, "ServiceUnavailableHttpException", "Service Unavailable")
		wantStatus(t, f.owner.do("GET", f.dbPath(), nil), http.StatusOK) // other routes unaffected
	}
	if len(f.p.Databases(f.srv.Identifier)) != 0 {
		t.Fatal("a faulted create was committed")
	}
	wantStatus(t, f.owner.do("POST", f.dbPath(), body), http.StatusOK)
	if f.p.Requests(RouteCreateDatabase) != 3 {
		t.Fatalf("Requests(create) = %d, want 3 (faulted ones count)", f.p.Requests(RouteCreateDatabase))
	}
}

func TestFaultsAreConsumedInOrder(t *testing.T) {
	f := setup(t, Options{})
	f.p.InjectFault(Fault{Route: RouteCreateDatabase, Status: http.StatusBadGateway})
	f.p.InjectFault(Fault{Status: http.StatusInternalServerError}) // any route
	f.p.InjectFault(Fault{Route: RouteListDatabases, Status: http.StatusConflict})
	wantError(t, f.owner.do("GET", f.dbPath(), nil), 500, "HttpException", msgUnexpected)
	wantError(t, f.owner.do("GET", f.dbPath(), nil), 409, "ConflictHttpException", "Conflict")
	wantError(t, f.owner.do("POST", f.dbPath(), `{}`), 502, "HttpException", "Bad Gateway")
	wantStatus(t, f.owner.do("GET", f.dbPath(), nil), http.StatusOK)
	// Faults apply before auth, to anyone, even on unknown routes.
	f.p.InjectFault(Fault{Route: RouteOther, Status: http.StatusUnauthorized})
	wantError(t, newClient(t, f.p, "").do("GET", "/nothing", nil), 401, "AuthenticationException", msgUnauthenticated)
}

func TestFaultRetryAfter(t *testing.T) {
	clock := newFakeClock()
	now := clock.Now().Unix()
	f := setup(t, Options{Now: clock.Now})
	f.p.InjectFault(Fault{Status: http.StatusTooManyRequests, RetryAfter: 1500 * time.Millisecond})
	r := f.owner.do("GET", f.dbPath(), nil)
	wantError(t, r, 429, "ThrottleRequestsException", msgTooManyAttempts)
	wantHeaders(t, r, map[string]string{"Retry-After": "2", "X-RateLimit-Reset": strconv.FormatInt(now+2, 10),
		"X-RateLimit-Limit": "720", "X-RateLimit-Remaining": "0"})
	f.p.InjectFault(Fault{Status: http.StatusServiceUnavailable, RetryAfter: 3 * time.Second})
	r = f.owner.do("GET", f.dbPath(), nil)
	wantStatus(t, r, 503)
	wantHeaders(t, r, map[string]string{"Retry-After": "3", "X-RateLimit-Reset": strconv.FormatInt(now+3, 10), "X-RateLimit-Remaining": ""})
	f.p.InjectFault(Fault{Status: http.StatusTooManyRequests})
	r = f.owner.do("GET", f.dbPath(), nil)
	wantHeaders(t, r, map[string]string{"Retry-After": "", "X-RateLimit-Remaining": "0"})
	f.owner.accept = ""
	f.p.InjectFault(Fault{Status: http.StatusInternalServerError})
	if r := f.owner.do("GET", f.dbPath(), nil); r.status != 500 || r.header.Get("Content-Type") != "text/html; charset=UTF-8" {
		t.Fatalf("fault without JSON accept: %d %q", r.status, r.header.Get("Content-Type"))
	}
}

func TestDropAfterCommit(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setup(t, Options{Flavor: fl})
			f.p.InjectFault(Fault{Route: RouteCreateDatabase, DropAfterCommit: true})
			_, err := f.owner.send(f.owner.request(t.Context(), "POST", f.dbPath(), map[string]string{"database": "mydb", "remote": "%"}))
			if err == nil {
				t.Fatal("create with a dropped connection returned a response")
			}
			dbs := f.p.Databases(f.srv.Identifier)
			if len(dbs) != 1 || dbs[0].Name != "s1_mydb" {
				t.Fatalf("create was not committed: %+v", dbs)
			}

			f.p.InjectFault(Fault{Route: RouteRotatePassword, DropAfterCommit: true})
			if _, err := f.owner.send(f.owner.request(t.Context(), "POST", f.dbPath(dbs[0].ID, "rotate-password"), nil)); err == nil {
				t.Fatal("rotate with a dropped connection returned a response")
			}
			if f.p.Databases(f.srv.Identifier)[0].Password == dbs[0].Password {
				t.Fatal("rotate was not committed")
			}

			f.p.InjectFault(Fault{Route: RouteDeleteDatabase, DropAfterCommit: true})
			if _, err := f.owner.send(f.owner.request(t.Context(), "DELETE", f.dbPath(dbs[0].ID), nil)); err == nil {
				t.Fatal("delete with a dropped connection returned a response")
			}
			if len(f.p.Databases(f.srv.Identifier)) != 0 {
				t.Fatal("delete was not committed")
			}
			// One request each: the client did not silently retry.
			for _, rt := range []Route{RouteCreateDatabase, RouteRotatePassword, RouteDeleteDatabase} {
				if n := f.p.Requests(rt); n != 1 {
					t.Errorf("Requests(%s) = %d, want 1", rt, n)
				}
			}
			wantStatus(t, f.owner.do("GET", f.dbPath(), nil), http.StatusOK) // the panel is still up
		})
	}
}

func TestDropAfterCommitWithoutHijacker(t *testing.T) {
	p := New(Options{})
	p.InjectFault(Fault{DropAfterCommit: true})
	defer func() {
		if err, _ := recover().(error); !errors.Is(err, http.ErrAbortHandler) {
			t.Fatal("want the ErrAbortHandler panic when the writer cannot be hijacked")
		}
	}()
	p.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), "GET", "/api/client", nil))
}

func TestLatency(t *testing.T) {
	f := setup(t, Options{})
	f.p.InjectFault(Fault{Route: RouteListDatabases, Latency: 150 * time.Millisecond})
	start := time.Now()
	wantStatus(t, f.owner.do("GET", f.dbPath(), nil), http.StatusOK)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("fault latency: answered after %v", d)
	}
	f.p.SetLatency(100 * time.Millisecond)
	start = time.Now()
	wantStatus(t, f.owner.do("GET", serverPath(f.srv.Identifier), nil), http.StatusOK)
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("global latency: answered after %v", d)
	}
	f.p.InjectFault(Fault{Status: http.StatusBadGateway, Latency: 50 * time.Millisecond})
	start = time.Now()
	wantStatus(t, f.owner.do("GET", f.dbPath(), nil), http.StatusBadGateway)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("fault plus global latency: answered after %v", d)
	}
}

func TestLatencyRespectsRequestContext(t *testing.T) {
	f := setup(t, Options{})
	f.p.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := f.owner.send(f.owner.request(ctx, "POST", f.dbPath(), map[string]string{"database": "late", "remote": "%"}))
	if err == nil {
		t.Fatal("request outlived its context")
	}
	// The handler gave up too: it neither committed nor kept sleeping (Close would block).
	f.p.SetLatency(0)
	if len(f.p.Databases(f.srv.Identifier)) != 0 {
		t.Fatal("an abandoned request was committed")
	}
	done := make(chan struct{})
	go func() { f.p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked: the handler is still sleeping")
	}

	// The same through the handler directly, with an already cancelled context.
	p := New(Options{})
	p.SetLatency(time.Hour)
	cctx, ccancel := context.WithCancel(t.Context())
	ccancel()
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(cctx, "GET", "/api/client", nil))
	if rec.Body.Len() != 0 {
		t.Fatalf("cancelled request was answered: %q", rec.Body)
	}
}

func TestRequestCounting(t *testing.T) {
	f := setup(t, Options{})
	db := f.p.AddDatabase(f.srv.Identifier, "mydb", "%")
	anon := newClient(t, f.p, "")
	f.p.InjectFault(Fault{Route: RouteGetServer, Status: 500})
	calls := []struct {
		c            *client
		method, path string
	}{
		{f.owner, "GET", f.dbPath()},
		{anon, "GET", f.dbPath()}, // counted before auth
		{f.owner, "POST", f.dbPath()},
		{f.owner, "POST", f.dbPath(db.ID, "rotate-password")},
		{f.owner, "DELETE", f.dbPath(db.ID)},
		{f.owner, "GET", serverPath(f.srv.Identifier)}, // faulted
		{f.owner, "GET", serverPath(f.srv.Identifier)},
		{f.owner, "GET", f.dbPath(db.ID)}, // 405
		{f.owner, "GET", "/api/client"},
		{f.owner, "GET", "/elsewhere"},
	}
	for _, c := range calls {
		c.c.do(c.method, c.path, nil)
	}
	want := map[Route]int{RouteListDatabases: 2, RouteCreateDatabase: 1, RouteRotatePassword: 1,
		RouteDeleteDatabase: 1, RouteGetServer: 2, RouteListServers: 1, RouteOther: 2}
	for rt, n := range want {
		if got := f.p.Requests(rt); got != n {
			t.Errorf("Requests(%s) = %d, want %d", rt, got, n)
		}
	}
	if f.p.TotalRequests() != len(calls) {
		t.Errorf("TotalRequests() = %d, want %d", f.p.TotalRequests(), len(calls))
	}
	f.p.ResetCounts()
	if f.p.TotalRequests() != 0 || f.p.Requests(RouteListDatabases) != 0 {
		t.Error("ResetCounts left counts behind")
	}
}
