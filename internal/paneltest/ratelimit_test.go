package paneltest

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func wantHeaders(t testing.TB, r *response, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q (status %d)", k, got, v, r.status)
		}
	}
}

func TestDefaultRateLimits(t *testing.T) {
	for fl, limit := range map[Flavor]string{Pterodactyl: "720", Pelican: "256"} {
		f := setup(t, Options{Flavor: fl})
		wantHeaders(t, f.owner.do("GET", f.dbPath(), nil), map[string]string{"X-RateLimit-Limit": limit})
	}
}

func TestClientRateLimitWindows(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			clock := newFakeClock()
			start := clock.Now().Unix()
			f := setup(t, Options{Flavor: fl, RateLimit: 3, Now: clock.Now})
			for i := 2; i >= 0; i-- {
				r := f.owner.do("GET", f.dbPath(), nil)
				wantStatus(t, r, http.StatusOK)
				wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": strconv.Itoa(i), "Retry-After": ""})
			}
			r := f.owner.do("GET", f.dbPath(), nil)
			wantError(t, r, http.StatusTooManyRequests, "ThrottleRequestsException", msgTooManyAttempts)
			wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "0",
				"Retry-After": "60", "X-RateLimit-Reset": strconv.FormatInt(start+60, 10)})

			clock.Advance(20*time.Second + 500*time.Millisecond) // 39.5s left rounds up to 40
			r = f.owner.do("POST", f.dbPath(), map[string]string{"database": "x", "remote": "%"})
			wantStatus(t, r, http.StatusTooManyRequests)
			wantHeaders(t, r, map[string]string{"Retry-After": "40", "X-RateLimit-Reset": strconv.FormatInt(start+60, 10)})
			if len(f.p.Databases(f.srv.Identifier)) != 0 {
				t.Fatal("a throttled create went through")
			}

			// Another key (another user) has its own window.
			wantStatus(t, f.keyClient(t, "*").do("GET", f.dbPath(), nil), http.StatusOK)

			clock.Advance(39*time.Second + 500*time.Millisecond) // exactly one minute after the first hit
			r = f.owner.do("GET", f.dbPath(), nil)
			wantStatus(t, r, http.StatusOK)
			wantHeaders(t, r, map[string]string{"X-RateLimit-Remaining": "2"})
		})
	}
}

func TestRateLimitHeadersOnLaterErrors(t *testing.T) {
	f := setup(t, Options{RateLimit: 10})
	// A server that does not exist fails in route binding, before the throttle: no headers,
	// and nothing spent (exchange 010).
	r := f.owner.do("GET", dbPath("ffffffff"), nil)
	wantStatus(t, r, http.StatusNotFound)
	wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "", "X-RateLimit-Remaining": ""})
	// A server the key cannot reach fails after it (exchange 051).
	hidden := f.p.AddServer(Server{Name: "hidden"})
	r = f.owner.do("GET", dbPath(hidden.Identifier), nil)
	wantStatus(t, r, http.StatusNotFound)
	wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "9"})
	// Unauthenticated requests never reach the limiter.
	r = newClient(t, f.p, "").do("GET", f.dbPath(), nil)
	wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "", "X-RateLimit-Remaining": ""})
}

func TestNegativeRateLimitIsUnlimited(t *testing.T) {
	f := setup(t, Options{Flavor: Pelican, RateLimit: -1, CreateRateLimit: -1})
	for i := range 5 {
		r := f.owner.do("POST", f.dbPath(), map[string]string{"database": "db" + strconv.Itoa(i) + "x", "remote": "%"})
		wantStatus(t, r, http.StatusOK)
		wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "", "X-RateLimit-Remaining": ""})
	}
}

func TestPelicanCreateLimitPerServer(t *testing.T) {
	clock := newFakeClock()
	start := clock.Now().Unix()
	f := setup(t, Options{Flavor: Pelican, Now: clock.Now})
	other := f.p.AddServer(Server{})
	admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true}))
	create := func(c *client, server, name string) *response {
		return c.do("POST", dbPath(server), map[string]string{"database": name, "remote": "%"})
	}
	for _, n := range []string{"one", "two"} {
		r := create(f.owner, f.srv.Identifier, n)
		wantStatus(t, r, http.StatusOK)
		wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "256"}) // the client limiter's headers
	}
	r := create(admin, f.srv.Identifier, "three") // per server, whoever asks
	wantError(t, r, http.StatusTooManyRequests, "ThrottleRequestsException", msgTooManyAttempts)
	wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0",
		"Retry-After": "60", "X-RateLimit-Reset": strconv.FormatInt(start+60, 10)})
	wantStatus(t, create(f.owner, other.Identifier, "three"), http.StatusNotFound)
	wantStatus(t, create(admin, other.Identifier, "three"), http.StatusOK)
	wantStatus(t, f.owner.do("GET", f.dbPath(), nil), http.StatusOK) // other routes are unaffected
	clock.Advance(time.Minute)
	wantStatus(t, create(f.owner, f.srv.Identifier, "three"), http.StatusOK)
	if n := len(f.p.Databases(f.srv.Identifier)); n != 3 {
		t.Fatalf("%d databases, want 3", n)
	}
}

func TestCreateLimitOnPterodactyl(t *testing.T) {
	f := setup(t, Options{})
	for _, n := range []string{"aaa", "bbb", "ccc", "ddd"} { // unlimited by default, as on 1.11
		wantStatus(t, f.owner.do("POST", f.dbPath(), map[string]string{"database": n, "remote": "%"}), http.StatusOK)
	}
	// 1.12 throttles creates per server, 2 a minute, as Pelican does, under its own limit.
	v := setup(t, Options{Version: Version112})
	for _, n := range []string{"aaa", "bbb"} {
		wantStatus(t, v.owner.do("POST", v.dbPath(), map[string]string{"database": n, "remote": "%"}), http.StatusOK)
	}
	r := v.owner.do("POST", v.dbPath(), map[string]string{"database": "ccc", "remote": "%"})
	wantError(t, r, http.StatusTooManyRequests, "ThrottleRequestsException", msgTooManyAttempts)
	wantHeaders(t, r, map[string]string{"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0"})
	g := setup(t, Options{CreateRateLimit: 1})
	wantStatus(t, g.owner.do("POST", g.dbPath(), map[string]string{"database": "aaa", "remote": "%"}), http.StatusOK)
	wantStatus(t, g.owner.do("POST", g.dbPath(), map[string]string{"database": "bbb", "remote": "%"}), http.StatusTooManyRequests)
}

func TestCeilSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int64{0: 0, time.Nanosecond: 1, time.Second: 1, 1500 * time.Millisecond: 2, time.Minute: 60} {
		if got := ceilSeconds(d); got != want {
			t.Errorf("ceilSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}
