package paneltest

import (
	"net/http"
	"strings"
	"testing"
)

// TestWithoutJSONAccept checks how errors render when Laravel's expectsJson() is false.
func TestWithoutJSONAccept(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			f := setup(t, Options{Flavor: fl, RateLimit: 1000})
			db := f.p.AddDatabase(f.srv.Identifier, "mydb", "%")
			base := f.p.URL()
			login := base + "/auth/login"
			if fl == Pelican {
				login = base + "/login"
			}
			other := f.p.AddServer(Server{})
			limited := f.p.AddServer(Server{DatabaseLimit: Limit(0)})
			suspended := f.p.AddServer(Server{State: ServerState{Suspended: true}})
			admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true}))
			valid := `{"database":"newdb","remote":"%"}`
			tests := []struct {
				name     string
				c        *client
				method   string
				path     string
				body     string
				referer  string
				status   int
				location string
			}{
				{"401 goes to login", newClient(t, f.p, ""), "GET", f.dbPath(), "", "", 302, login},
				{"401 with a bad key", newClient(t, f.p, "bad"), "POST", f.dbPath(), valid, "", 302, login},
				{"422 goes back to root", f.owner, "POST", f.dbPath(), `{}`, "", 302, base},
				{"422 goes back to referer", f.owner, "POST", f.dbPath(), `{}`, "http://ui.example/x", 302, "http://ui.example/x"},
				{"400 display exception goes back", admin, "POST", dbPath(limited.Identifier), valid, "", 302, base},
				{"400 malformed JSON is a page", f.owner, "POST", f.dbPath(), `{`, "", 400, ""},
				{"403 is a page", newClient(t, f.p, f.p.AddKey(Key{Application: true})), "GET", f.dbPath(), "", "", 403, ""},
				{"404 is a page", f.owner, "GET", dbPath(other.Identifier), "", "", 404, ""},
				{"404 route is a page", f.owner, "GET", "/api/client/nothing", "", "", 404, ""},
				{"405 is a page", f.owner, "GET", f.dbPath(db.ID), "", "", 405, ""},
				{"409 is a page", admin, "GET", dbPath(suspended.Identifier), "", "", 409, ""},
			}
			for _, tt := range tests {
				tt.c.accept = ""
				var body any
				if tt.body != "" {
					body = tt.body
				}
				req := tt.c.request(t.Context(), tt.method, tt.path, body)
				if tt.referer != "" {
					req.Header.Set("Referer", tt.referer)
				}
				r := tt.c.sendOK(req)
				if r.status != tt.status || r.header.Get("Location") != tt.location {
					t.Errorf("%s: %d Location=%q, want %d %q", tt.name, r.status, r.header.Get("Location"), tt.status, tt.location)
				}
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(r.body), "<html") {
					t.Errorf("%s: Content-Type %q, body %q", tt.name, ct, r.body)
				}
				if tt.status == 405 && r.header.Get("Allow") != "DELETE" {
					t.Errorf("%s: Allow = %q", tt.name, r.header.Get("Allow"))
				}
			}
		})
	}
}

func TestSuccessIsJSONWhateverTheAccept(t *testing.T) {
	f := setup(t, Options{})
	for _, accept := range []string{"", "text/html", "*/*"} {
		f.owner.accept = accept
		wantStatus(t, f.owner.do("GET", f.dbPath(), nil), http.StatusOK)
		f.owner.do("GET", f.dbPath(), nil).object(t) // checks the Content-Type too
	}
}

func TestJSONAcceptVariants(t *testing.T) {
	f := setup(t, Options{})
	anon := newClient(t, f.p, "")
	for _, accept := range []string{"application/json", "text/html, application/json;q=0.9", "application/vnd.api+json", "APPLICATION/JSON"} {
		anon.accept = accept
		wantError(t, anon.do("GET", f.dbPath(), nil), 401, "AuthenticationException", msgUnauthenticated)
	}
	anon.accept = ""
	req := anon.request(t.Context(), "GET", f.dbPath(), nil)
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	wantError(t, anon.sendOK(req), 401, "AuthenticationException", msgUnauthenticated)
}

func TestThrottledPageKeepsHeaders(t *testing.T) {
	clock := newFakeClock()
	f := setup(t, Options{RateLimit: 1, Now: clock.Now})
	f.owner.accept = "text/html"
	wantStatus(t, f.owner.do("GET", f.dbPath(), nil), 200)
	r := f.owner.do("GET", f.dbPath(), nil)
	if r.status != 429 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || r.header.Get("Retry-After") != "60" {
		t.Fatalf("got %d %v", r.status, r.header)
	}
}
