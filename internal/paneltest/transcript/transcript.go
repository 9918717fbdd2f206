// Package transcript replays HTTP exchanges recorded from a real panel against the fake one
// (internal/paneltest), so that tests can compare the two answers: paneltest's conformance
// test compares them as the wire shows them, and the API client's decodes both.
//
// The recordings live outside this repository, in ../shared/panel-transcripts beside the
// checkout, or wherever PANEL_TRANSCRIPTS points. Without them, Dir skips the test and says
// so.
package transcript

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// EnvDir names a directory of recordings to use instead of the default.
const EnvDir = "PANEL_TRANSCRIPTS"

// Pterodactyl1118 is the folder of the recordings made on a Pterodactyl 1.11.8 panel.
const Pterodactyl1118 = "pterodactyl-1.11.8"

// RecordedOrigin is the origin the recorded panel put in the URLs it generated (links,
// meta.resource, Location).
const RecordedOrigin = "http://127.0.0.1:8088"

// Dir returns the folder of recordings named name, or skips the test, saying why, when it is
// not there. The default is ../shared/panel-transcripts beside the repository.
func Dir(tb testing.TB, name string) string {
	tb.Helper()
	root := os.Getenv(EnvDir)
	if root == "" {
		root = filepath.Join(repoRoot(tb), "..", "shared", "panel-transcripts")
	}
	dir := filepath.Join(root, name)
	if _, err := os.Stat(filepath.Join(dir, "00-notes.md")); err != nil { //nolint:gosec // the recordings' folder, which the developer names

		tb.Skipf("SKIP: the recorded exchanges %s are not here (%v): this test compares the in-memory panel with "+
			"a real one, and runs only beside the recordings (../shared/panel-transcripts, or set %s)", dir, err, EnvDir)
	}
	return dir
}

// repoRoot is the directory holding go.mod, found from the working directory up.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("transcript: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Exchange is one recorded request and the real panel's answer.
type Exchange struct {
	// File is the recording's file name; Number its three-digit prefix.
	File   string `json:"-"`
	Number string `json:"-"`
	Title  string `json:"title"`
	Why    string `json:"why"`
	Note   string `json:"note"`

	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Target  string            `json:"target_sent"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
	Response struct {
		Status   int               `json:"status"`
		Headers  map[string]string `json:"headers"`
		Body     json.RawMessage   `json:"body"`
		BodyKind string            `json:"body_kind"`
	} `json:"response"`
	ServedBy string `json:"served_by"`
}

// JSONBody reports whether the recorded answer's body is JSON (not HTML, not empty).
func (e *Exchange) JSONBody() bool { return strings.HasPrefix(e.Response.BodyKind, "json") }

// Debug reports whether the recorded panel ran with APP_DEBUG=true for this exchange, which
// adds traces and raw exception messages to error bodies.
func (e *Exchange) Debug() bool { return strings.Contains(e.ServedBy, "APP_DEBUG=true") }

// Load reads every NNN-*.json recording in dir, in order.
func Load(tb testing.TB, dir string) []*Exchange {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9]-*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("transcript: no recordings in %s (%v)", dir, err)
	}
	slices.Sort(files)
	out := make([]*Exchange, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f) //nolint:gosec // a recording named by the test's own folder
		if err != nil {
			tb.Fatal(err)
		}
		e := &Exchange{File: filepath.Base(f)}
		if err := json.Unmarshal(b, e); err != nil {
			tb.Fatalf("transcript: %s: %v", e.File, err)
		}
		e.Number = e.File[:3]
		out = append(out, e)
	}
	return out
}

// Answer is the fake panel's answer to one replayed exchange.
type Answer struct {
	Exchange *Exchange
	Status   int
	Header   http.Header
	Body     []byte
	// Origin is the fake panel's origin, which it puts where the recorded panel put
	// RecordedOrigin.
	Origin string
	// Path is the path the fake was sent: the recorded one with the fake's database ids.
	Path string
}

// The recorded panel's servers, both owned by its root admin (user 1).
var recordedServers = []paneltest.Server{
	{InternalID: 1, UUID: "12ad968f-d788-45f4-b25b-4867f2372d30", Name: "tf-test", DatabaseLimit: paneltest.Limit(50)},
	{InternalID: 3, UUID: "8d5c4f8e-ffbd-4964-8f90-ded61c32237b", Name: "viaapi", DatabaseLimit: paneltest.Limit(1)},
}

// The recorded panel's database host port (host 1, at 127.0.0.1).
const recordedDatabasePort = 33306

// Replayer sends recorded requests to a fake panel seeded like the recorded one.
type Replayer struct {
	Panel *paneltest.Panel

	tb     testing.TB
	clock  *clock
	tokens map[string]string // the recordings' key placeholders to the fake's keys
	hc     *http.Client

	// What the recorded answers say of each database id: its server and stored name, so that
	// a recorded id in a path can be sent as the fake's id of the same database.
	known map[string]recordedDB
	sent  map[string]string // recorded id to the fake id already sent for it
}

type recordedDB struct {
	server int // internal id
	name   string
}

// clock is the fake panel's clock, moved on by the replay where the recording waited.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// NewReplayer starts a fake Pterodactyl 1.11 panel with the recorded panel's servers,
// database host and keys, and learns the database ids of the recorded answers.
func NewReplayer(tb testing.TB, exchanges []*Exchange) *Replayer {
	tb.Helper()
	c := &clock{now: time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)}
	p := paneltest.Start(tb, paneltest.Options{
		Flavor: paneltest.Pterodactyl, Version: paneltest.Version111,
		DatabaseHost: "127.0.0.1", DatabasePort: recordedDatabasePort, Now: c.Now,
		DatabaseHostName: "local", DatabaseHostUsername: "pterodactyl",
	})
	for _, s := range recordedServers {
		p.AddServer(s)
	}
	const admin = "admin"
	res := paneltest.ACLResourcesOf(paneltest.Pterodactyl)
	db := []string{"database.read", "database.create", "database.update", "database.delete"}
	r := &Replayer{Panel: p, tb: tb, clock: c, known: map[string]recordedDB{}, sent: map[string]string{}}
	// The root admin made both servers, so it owns them.
	owned := map[string][]string{}
	for _, s := range recordedServers {
		owned[s.UUID[:8]] = []string{"*"}
	}
	client := p.AddKey(paneltest.Key{RootAdmin: true, User: admin, Servers: owned})
	r.tokens = map[string]string{
		"<client key>": client,
		"<client key of the root admin restricted to allowed_ips [\"10.9.9.9\"]>": p.AddKey(paneltest.Key{
			RootAdmin: true, User: admin, Servers: owned, AllowedIPs: []string{"10.9.9.9"}}),
		"<subuser key without database permissions>": p.AddKey(paneltest.Key{
			Servers: map[string][]string{"12ad968f": {"control.console"}}}),
		"<subuser key with database.read only (no database.create)>": p.AddKey(paneltest.Key{
			Servers: map[string][]string{"12ad968f": {"database.read"}}}),
		"<subuser key with database.read/create/update/delete but without database.view_password>": p.AddKey(paneltest.Key{
			Servers: map[string][]string{"12ad968f": db}}),
		"<client key of a user with no access to the server>": p.AddKey(paneltest.Key{}),
		"<application key>": p.AddKey(paneltest.Key{Application: true, User: admin}),
		"<read-only application key (servers: read, server databases: read, nothing else)>": p.AddKey(paneltest.Key{
			Application: true, User: admin,
			ACL: map[string]int{res.Servers: paneltest.ACLRead, res.ServerDatabases: paneltest.ACLRead}}),
		"<wrong key: well-formed ptlc_ + 43 characters, unknown to the panel>": "ptlc_" + strings.Repeat("x", 43),
		"<client key identifier (first 16 chars) + wrong 32-char secret>":      client[:16] + strings.Repeat("y", 32),
	}
	tr := &http.Transport{}
	tb.Cleanup(tr.CloseIdleConnections)
	r.hc = &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, e := range exchanges {
		r.learn(e)
	}
	return r
}

// learn records what e's answer says of database ids.
func (r *Replayer) learn(e *Exchange) {
	var body any
	if !e.JSONBody() || json.Unmarshal(e.Response.Body, &body) != nil {
		return
	}
	server := 0
	if parts := strings.Split(e.Request.Path, "/"); len(parts) > 4 && parts[2] == "client" {
		for _, s := range recordedServers {
			if strings.EqualFold(parts[4], s.UUID[:8]) || strings.EqualFold(parts[4], s.UUID) {
				server = s.InternalID
			}
		}
	}
	// The id in the path of a single database's answer is that database too, in whatever
	// form the path gives it (a Hashid on the application API, exchange 103).
	var pathID string
	if sub := databaseSegment.FindStringSubmatch(e.Request.Path); sub != nil {
		if m, ok := body.(map[string]any); ok && m["object"] == "server_database" {
			pathID = sub[2]
		}
	}
	walk(body, func(obj map[string]any) {
		if o := obj["object"]; o != "server_database" && o != "databases" {
			return
		}
		a, _ := obj["attributes"].(map[string]any)
		name, _ := a["name"].(string)
		if n, ok := a["database"].(string); ok {
			name = n
		}
		sid := server
		if n, ok := a["server"].(float64); ok {
			sid = int(n)
		}
		if name != "" && sid != 0 {
			r.known[idString(a["id"])] = recordedDB{server: sid, name: name}
			if pathID != "" && obj["object"] == "server_database" {
				if _, ok := r.known[pathID]; !ok {
					r.known[pathID] = recordedDB{server: sid, name: name}
				}
			}
		}
	})
}

func idString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatInt(int64(v), 10)
	}
	return ""
}

// walk calls f on every JSON object in v, outer ones first.
func walk(v any, f func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		f(v)
		for _, c := range v {
			walk(c, f)
		}
	case []any:
		for _, c := range v {
			walk(c, f)
		}
	}
}

var databaseSegment = regexp.MustCompile(`(/databases/)([^/?]+)`)

// target is the recorded request target with each recorded database id replaced by the
// fake's id of the same database (by server and name), in the same form: a Hashid for a
// Hashid, a number for a number. Ids no recording explains (an unknown id on purpose) are
// sent as they are.
func (r *Replayer) target(e *Exchange) string {
	return databaseSegment.ReplaceAllStringFunc(e.Request.Target, func(m string) string {
		sub := databaseSegment.FindStringSubmatch(m)
		return sub[1] + r.fakeID(sub[2])
	})
}

func (r *Replayer) fakeID(recorded string) string {
	if id, ok := r.sent[recorded]; ok {
		return id
	}
	db, ok := r.known[recorded]
	if !ok {
		return recorded
	}
	for _, s := range recordedServers {
		if s.InternalID != db.server {
			continue
		}
		for _, d := range r.Panel.Databases(s.UUID) {
			if !strings.EqualFold(d.Name, db.name) {
				continue
			}
			id := d.ID
			if _, err := strconv.Atoi(recorded); err == nil {
				id = strconv.Itoa(d.InternalID)
			}
			r.sent[recorded] = id
			return id
		}
	}
	return recorded
}

// prepare puts the fake panel in the situation the recording was made in, where the
// recording says more than its request: a spent rate-limit window, a minute gone by.
func (r *Replayer) prepare(e *Exchange) {
	r.dropUnlisted(e)
	switch e.Number {
	case "073": // "a 200 near the end of the per-minute budget": spend all of it but one
		for range 10000 {
			status, header := r.send(http.MethodGet, "/api/client/account", r.tokens["<client key>"])
			if header.Get("X-RateLimit-Remaining") == "1" {
				return
			}
			if status != http.StatusOK {
				r.tb.Fatalf("transcript: spending the rate limit before %s: %d", e.File, status)
			}
		}
		r.tb.Fatalf("transcript: the rate limit never came near zero before %s", e.File)
	case "080": // "after 61 s"
		r.clock.advance(61 * time.Second)
	}
}

var databaseList = regexp.MustCompile(`^/api/(client|application)/servers/([^/]+)/databases/?$`)

// dropUnlisted deletes, before a recorded database list, the fake's databases of that server
// that the recorded list does not show: the recording deleted them outside the recorded
// exchanges (each database made for a recording was deleted again).
func (r *Replayer) dropUnlisted(e *Exchange) {
	m := databaseList.FindStringSubmatch(e.Request.Path)
	var body struct {
		Data []struct {
			Attributes struct{ Name, Database string } `json:"attributes"`
		} `json:"data"`
	}
	if m == nil || e.Request.Method != http.MethodGet || e.Response.Status != http.StatusOK ||
		json.Unmarshal(e.Response.Body, &body) != nil {
		return
	}
	listed := map[string]bool{}
	for _, d := range body.Data {
		listed[strings.ToLower(d.Attributes.Name+d.Attributes.Database)] = true
	}
	for _, s := range recordedServers {
		if !strings.EqualFold(m[2], s.UUID[:8]) && !strings.EqualFold(m[2], s.UUID) && m[2] != strconv.Itoa(s.InternalID) {
			continue
		}
		for _, d := range r.Panel.Databases(s.UUID) {
			if !listed[strings.ToLower(d.Name)] {
				r.Panel.DeleteDatabase(s.UUID, d.ID)
			}
		}
	}
}

func (r *Replayer) send(method, target, token string) (int, http.Header) {
	req, err := http.NewRequestWithContext(r.tb.Context(), method, r.Panel.URL()+target, nil)
	if err != nil {
		r.tb.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := r.hc.Do(req)
	if err != nil {
		r.tb.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}

// Replay sends e's request, as recorded, to the fake panel, and returns its answer.
func (r *Replayer) Replay(e *Exchange) Answer {
	r.tb.Helper()
	r.prepare(e)
	var body io.Reader
	if raw := bytes.TrimSpace(e.Request.Body); len(raw) > 0 && string(raw) != "null" {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			body = strings.NewReader(s) // sent as it was: malformed JSON, a form, text
		} else {
			body = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequestWithContext(r.tb.Context(), e.Request.Method, r.Panel.URL()+r.target(e), body)
	if err != nil {
		r.tb.Fatalf("%s: %v", e.File, err)
	}
	for k, v := range e.Request.Headers {
		if k == "Authorization" {
			for placeholder, token := range r.tokens {
				v = strings.ReplaceAll(v, placeholder, token)
			}
			if strings.Contains(v, "<") {
				r.tb.Fatalf("%s: no key for the placeholder in %q", e.File, v)
			}
		}
		req.Header.Set(k, v)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		r.tb.Fatalf("%s: %v", e.File, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.tb.Fatalf("%s: %v", e.File, err)
	}
	return Answer{Exchange: e, Status: resp.StatusCode, Header: resp.Header, Body: b, Origin: r.Panel.URL(),
		Path: req.URL.Path}
}

// String names the exchange for test output.
func (e *Exchange) String() string {
	return fmt.Sprintf("%s (%s %s)", e.File, e.Request.Method, e.Request.Target)
}
