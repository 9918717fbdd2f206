package paneltest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// client makes real HTTP requests to a started panel, as the provider would.
type client struct {
	t      testing.TB
	base   string
	token  string
	accept string
	hc     *http.Client
}

func newClient(t testing.TB, p *Panel, token string) *client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{t: t, base: p.URL(), token: token, accept: "application/json", hc: &http.Client{
		Transport: tr,
		Timeout:   10 * time.Second,
		// Redirects are answers under test, not something to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// request builds a request; body is nil, a raw JSON string, or a value to marshal.
func (c *client) request(ctx context.Context, method, path string, body any) *http.Request {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req
}

func (c *client) send(req *http.Request) (*response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func (c *client) sendOK(req *http.Request) *response {
	c.t.Helper()
	r, err := c.send(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	return r
}

func (c *client) do(method, path string, body any) *response {
	c.t.Helper()
	return c.sendOK(c.request(context.Background(), method, path, body))
}

// object decodes a JSON object body, keeping numbers as json.Number so that int and string
// ids can be told apart.
func (r *response) object(t testing.TB) map[string]any {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json; body %s", ct, r.body)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

func (r *response) errors(t testing.TB) []errorItem {
	t.Helper()
	var env envelope
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return env.Errors
}

func wantStatus(t testing.TB, r *response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
}

// wantError checks the status and that the envelope holds exactly the one error given.
func wantError(t testing.TB, r *response, status int, code, detail string) {
	t.Helper()
	wantStatus(t, r, status)
	want := []errorItem{{Code: code, Status: strconv.Itoa(status), Detail: detail}}
	if got := r.errors(t); !slices.EqualFunc(got, want, sameItem) {
		t.Fatalf("errors = %+v, want %+v", got, want)
	}
}

func sameItem(a, b errorItem) bool {
	if (a.Meta == nil) != (b.Meta == nil) || a.Meta != nil && *a.Meta != *b.Meta {
		return false
	}
	return a.Code == b.Code && a.Status == b.Status && a.Detail == b.Detail
}

// at walks a decoded JSON value by object keys (string) and array indexes (int), failing
// the test when the shape differs.
func at(t testing.TB, v any, path ...any) any {
	t.Helper()
	for _, step := range path {
		switch k := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("want an object holding %q, got %T %v", k, v, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("no %q in %v", k, m)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("want an array with index %d, got %T %v", k, v, v)
			}
			v = a[k]
		}
	}
	return v
}

func obj(t testing.TB, v any, path ...any) map[string]any {
	t.Helper()
	m, ok := at(t, v, path...).(map[string]any)
	if !ok {
		t.Fatalf("%v at %v is not an object", at(t, v, path...), path)
	}
	return m
}

func arr(t testing.TB, v any, path ...any) []any {
	t.Helper()
	a, ok := at(t, v, path...).([]any)
	if !ok {
		t.Fatalf("%v at %v is not an array", at(t, v, path...), path)
	}
	return a
}

func str(t testing.TB, v any, path ...any) string {
	t.Helper()
	s, ok := at(t, v, path...).(string)
	if !ok {
		t.Fatalf("%v at %v is not a string", at(t, v, path...), path)
	}
	return s
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(t testing.TB, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v (%T) is not an object", v, v)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func wantKeys(t testing.TB, v any, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := keysOf(t, v); !slices.Equal(got, want) {
		t.Fatalf("keys = %v, want %v", got, want)
	}
}

// fixture is a started panel with one server and its owner's key.
type fixture struct {
	p     *Panel
	srv   Server
	owner *client
}

func setup(t testing.TB, opts Options) *fixture {
	t.Helper()
	p := Start(t, opts)
	s := p.AddServer(Server{})
	tok := p.AddKey(Key{Servers: map[string][]string{s.Identifier: {"*"}}})
	return &fixture{p: p, srv: s, owner: newClient(t, p, tok)}
}

// keyClient adds a key with the given permissions on the fixture's server.
func (f *fixture) keyClient(t testing.TB, perms ...string) *client {
	t.Helper()
	return newClient(t, f.p, f.p.AddKey(Key{Servers: map[string][]string{f.srv.Identifier: perms}}))
}

func serverPath(server string) string { return "/api/client/servers/" + server }

func dbPath(server string, rest ...string) string {
	return strings.Join(append([]string{serverPath(server), "databases"}, rest...), "/")
}

func (f *fixture) dbPath(rest ...string) string { return dbPath(f.srv.Identifier, rest...) }

// create makes a database (remote "%") through the API and returns its attributes.
func (f *fixture) create(t testing.TB, name string) map[string]any {
	t.Helper()
	r := f.owner.do("POST", f.dbPath(), map[string]any{"database": name, "remote": "%"})
	wantStatus(t, r, http.StatusOK)
	return attrs(t, r.object(t))
}

func attrs(t testing.TB, o any) map[string]any {
	t.Helper()
	return obj(t, o, "attributes")
}

// idString is the JSON id as the provider would store it: a string either way.
func idString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// fakeClock is a settable clock for rate-limit windows.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var flavors = []Flavor{Pterodactyl, Pelican}
