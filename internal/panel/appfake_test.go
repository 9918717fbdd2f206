package panel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// appFake is a panel's application API as panel-api.md §12 describes it, with the parts of
// the client API the mixed paths use, for tests that need to see each request: the request
// log, and switches for the cases paneltest's fake does not make (a filter that matches
// partially, a create that commits and loses its answer, a panel in debug mode).
//
// Servers have internal ids 1, 2, …; a database's client API id on Pterodactyl is the
// stand-in hashid "Hx" + its number (hashidOf), which the application API also takes.
type appFake struct {
	t      testing.TB
	flavor Flavor

	mu       sync.Mutex
	requests []string // "METHOD path?query", in order
	bodies   []map[string]any
	servers  []appFakeServer
	dbs      []*appFakeDB
	hosts    []*appFakeHost
	lastID   int
	secret   int // makes passwords differ per rotation

	// appKeyOnClient answers every client API request 403, as for an application key.
	appKeyOnClient bool
	// notAdmin answers every application API request 403, as for a user who is not an admin.
	notAdmin bool
	// twoFactor answers every application API request 400, as Pterodactyl does for a user
	// without 2FA on a panel that requires it.
	twoFactor bool
	// camelOnly makes a Pelican fake an early beta, whose filter is uuidShort.
	camelOnly bool
	// noDatabaseRead makes ?include=databases on a host a null_resource.
	noDatabaseRead bool
	// onCreate, when set, runs after a database or host create committed, and may answer
	// instead (returning true): a gateway losing the answer, say.
	onCreate func(w http.ResponseWriter) bool
	// hostLogin is the password a database host's connection test accepts.
	hostLogin string
}

type appFakeServer struct {
	id         int
	uuid       string
	identifier string
	limit      *int
}

type appFakeDB struct {
	id, server, host                 int
	name, username, remote, password string
}

type appFakeHost struct {
	id                   int
	name, host, username string
	port                 int
}

func newAppFake(t testing.TB, flavor Flavor) *appFake {
	f := &appFake{t: t, flavor: flavor, hostLogin: "right"}
	f.servers = []appFakeServer{
		{id: 1, uuid: "1a7ce997-259b-452e-8b4e-cecc464142ca", identifier: "1a7ce997"},
		{id: 2, uuid: "2b8df008-259b-452e-8b4e-cecc464142cb", identifier: "2b8df008"},
	}
	f.hosts = []*appFakeHost{{id: 1, name: "local", host: "10.0.0.5", port: 3306, username: "panel"}}
	f.lastID = 10
	return f
}

// client returns a client of the fake with the given key, waits recorded.
func (f *appFake) client(key string) (*Client, *sleepRecorder, *recordingLogger) {
	return handlerClient(f.t, f.serve, func(cfg *Config) { cfg.APIKey = key })
}

// unswept makes c read each server alone, as on a panel too big to sweep (sweep.go): for the
// tests of that path.
func unswept(c *Client) {
	c.record.sweeps.tooBig = true
}

func hashidOf(id int) string { return fmt.Sprintf("Hx%06d", id) }

// addDB adds a database on host 1, open to every remote, and returns its numeric id.
func (f *appFake) addDB(server int, name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addDBLocked(server, 1, name, "%").id
}

func (f *appFake) addDBLocked(server, host int, name, remote string) *appFakeDB {
	f.lastID++
	f.secret++
	db := &appFakeDB{id: f.lastID, server: server, host: host, name: fmt.Sprintf("s%d_%s", server, name),
		username: fmt.Sprintf("u%d_abcdefghij", server), remote: remote, password: fmt.Sprintf("pw-%d-%d", f.lastID, f.secret)}
	f.dbs = append(f.dbs, db)
	return db
}

func (f *appFake) db(id int) *appFakeDB {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.dbs {
		if d.id == id {
			c := *d
			return &c
		}
	}
	return nil
}

// log returns the requests so far, and forgets them.
func (f *appFake) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// count returns how many requests so far start with prefix ("POST /api/application/…").
func (f *appFake) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func fakeError(w http.ResponseWriter, status int, code, detail string) {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "status": strconv.Itoa(status), "detail": detail}}})
	writeJSON(w, status, string(b))
}

func fakeGeneric500(w http.ResponseWriter) {
	fakeError(w, 500, "QueryException", "An unexpected error was encountered while processing this request, please try again.")
}

func (f *appFake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, _ := url.QueryUnescape(r.URL.RawQuery)
	f.requests = append(f.requests, strings.TrimSuffix(r.Method+" "+r.URL.Path+"?"+q, "?"))
	var body map[string]any
	if r.Body != nil {
		_ = json.NewDecoder(r.Body).Decode(&body)
	}
	f.bodies = append(f.bodies, body)
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(segs) >= 2 && segs[0] == "api" && segs[1] == "client":
		f.serveClient(w, r, segs[2:])
	case len(segs) >= 3 && segs[0] == "api" && segs[1] == "application":
		f.serveApplication(w, r, segs[2:], body)
	default:
		fakeError(w, 404, "NotFoundHttpException", "The route could not be found.")
	}
}

func (f *appFake) serverBy(ref string) *appFakeServer {
	for i, s := range f.servers {
		if strings.EqualFold(ref, s.identifier) || strings.EqualFold(ref, s.uuid) || ref == strconv.Itoa(s.id) {
			return &f.servers[i]
		}
	}
	return nil
}

// serveClient is the client API's server read and database list, for a root admin.
func (f *appFake) serveClient(w http.ResponseWriter, r *http.Request, segs []string) {
	if f.appKeyOnClient {
		fakeError(w, 403, "AccessDeniedHttpException", detailApplicationKey)
		return
	}
	if len(segs) < 2 || segs[0] != "servers" || r.Method != http.MethodGet {
		fakeError(w, 404, "NotFoundHttpException", "The route could not be found.")
		return
	}
	s := f.serverBy(segs[1])
	if s == nil {
		fakeError(w, 404, "NotFoundHttpException", "The requested resource could not be found on the server.")
		return
	}
	if len(segs) == 2 {
		writeJSON(w, 200, fmt.Sprintf(`{"object":"server","attributes":{"identifier":%q,"uuid":%q,"internal_id":%d},"meta":{"user_permissions":["*"]}}`,
			s.identifier, s.uuid, s.id))
		return
	}
	var items []string
	for _, d := range f.dbs {
		if d.server == s.id {
			id := strconv.Quote(hashidOf(d.id))
			if f.flavor == Pelican {
				id = strconv.Itoa(d.id)
			}
			items = append(items, fmt.Sprintf(`{"object":"server_database","attributes":{"id":%s,"name":%q,"username":%q,`+
				`"connections_from":%q,"host":{"address":"10.0.0.5","port":3306},"max_connections":0}}`, id, d.name, d.username, d.remote))
		}
	}
	writeJSON(w, 200, `{"object":"list","data":[`+strings.Join(items, ",")+`]}`)
}

func (f *appFake) serveApplication(w http.ResponseWriter, r *http.Request, segs []string, body map[string]any) {
	switch {
	case f.twoFactor:
		fakeError(w, 400, CodeTwoFactorRequired, detailTwoFactor)
		return
	case f.notAdmin:
		fakeError(w, 403, "AccessDeniedHttpException", detailNotAdmin)
		return
	}
	switch {
	case segs[0] == "servers" && len(segs) == 1:
		f.listServers(w, r)
	case segs[0] == "servers" && len(segs) >= 3 && segs[2] == "databases":
		s := f.serverBy(segs[1])
		if s == nil || segs[1] != strconv.Itoa(s.id) {
			fakeError(w, 404, "NotFoundHttpException", "The requested resource could not be found on the server.")
			return
		}
		f.serveDatabases(w, r, s, segs[3:], body)
	case segs[0] == "database-hosts" && f.flavor == Pelican:
		f.serveHosts(w, r, segs[1:], body)
	default:
		fakeError(w, 404, "NotFoundHttpException", "The route could not be found.")
	}
}

// listServers filters as Spatie's query builder does: partially, and refusing a filter the
// flavor does not allow with a 400 that names it.
func (f *appFake) listServers(w http.ResponseWriter, r *http.Request) {
	allowed := []string{"uuid", "uuidShort", "name", "external_id"}
	if f.flavor == Pelican && !f.camelOnly {
		allowed = []string{"uuid", "uuid_short", "name", "external_id"}
	}
	var items []string
	query := r.URL.Query()
	withDatabases := slices.Contains(f.includes(r), "databases.password")
	for _, key := range []string{"include", "page", "per_page"} {
		query.Del(key)
	}
	if len(query) == 0 { // a sweep: every server, with its databases
		for _, s := range f.servers {
			items = append(items, f.serverJSON(s, withDatabases))
		}
	}
	for key, vals := range query {
		filter := strings.TrimSuffix(strings.TrimPrefix(key, "filter["), "]")
		if !slices.Contains(allowed, filter) {
			fakeError(w, 400, "InvalidFilterQuery", fmt.Sprintf("Requested filter(s) `%s` are not allowed. Allowed filter(s) are `%s`.",
				filter, strings.Join(allowed, ", ")))
			return
		}
		for _, s := range f.servers {
			field := s.uuid
			if filter != "uuid" {
				field = s.identifier
			}
			if strings.Contains(strings.ToLower(field), strings.ToLower(vals[0])) {
				items = append(items, f.serverJSON(s, withDatabases))
			}
		}
	}
	writeJSON(w, 200, `{"object":"list","data":[`+strings.Join(items, ",")+`],"meta":{"pagination":{"total":`+
		strconv.Itoa(len(items))+`,"current_page":1,"total_pages":1}}}`)
}

// serverJSON is a server of the application API's list, with its databases (and their
// passwords and hosts) when asked for. f.mu is held.
func (f *appFake) serverJSON(s appFakeServer, withDatabases bool) string {
	rels := ""
	if withDatabases {
		dbs := `{"object":"null_resource","attributes":null}`
		if !f.noDatabaseRead {
			var items []string
			for _, d := range f.dbs {
				if d.server == s.id {
					items = append(items, strings.Replace(f.dbJSON(d, []string{"password", "host"}, false), `"server_database"`, `"databases"`, 1))
				}
			}
			dbs = `{"object":"list","data":[` + strings.Join(items, ",") + `]}`
		}
		rels = `,"relationships":{"databases":` + dbs + `}`
	}
	nest := `"nest":1,"egg":5,` // Pterodactyl's servers have a nest; Pelican's have none
	if f.flavor == Pelican {
		nest = `"egg":5,`
	}
	return fmt.Sprintf(`{"object":"server","attributes":{"id":%d,"uuid":%q,"identifier":%q,"name":"srv",`+
		`"status":null,"suspended":false,%s"feature_limits":{"databases":%s,"allocations":0,"backups":0}%s}}`,
		s.id, s.uuid, s.identifier, nest, jsonInt(s.limit), rels)
}

func jsonInt(n *int) string {
	if n == nil {
		return "null"
	}
	return strconv.Itoa(*n)
}

func (f *appFake) includes(r *http.Request) []string {
	return strings.Split(r.URL.Query().Get("include"), ",")
}

func (f *appFake) dbJSON(d *appFakeDB, include []string, created bool) string {
	maxConn := "0"
	if created {
		maxConn = "null" // the model is returned without a refresh
	}
	var rel []string
	if slices.Contains(include, "password") {
		rel = append(rel, fmt.Sprintf(`"password":{"object":"database_password","attributes":{"password":%q}}`, d.password))
	}
	if slices.Contains(include, "host") {
		for _, h := range f.hosts {
			if h.id == d.host {
				rel = append(rel, fmt.Sprintf(`"host":{"object":"database_host","attributes":{"id":%d,"name":%q,"host":%q,"port":%d,"username":%q}}`,
					h.id, h.name, h.host, h.port, h.username))
			}
		}
	}
	rels := ""
	if len(rel) > 0 {
		rels = `,"relationships":{` + strings.Join(rel, ",") + `}`
	}
	return fmt.Sprintf(`{"object":"server_database","attributes":{"id":%d,"server":%d,"host":%d,"database":%q,"username":%q,"remote":%q,`+
		`"max_connections":%s,"created_at":"2026-01-01T00:00:00+00:00","updated_at":"2026-01-01T00:00:00+00:00"%s}}`,
		d.id, d.server, d.host, d.name, d.username, d.remote, maxConn, rels)
}

// bind finds a database as the panel's route binding does: Pterodactyl by id (or hashid) on
// any server, Pelican only among the server's.
func (f *appFake) bind(s *appFakeServer, ref string) *appFakeDB {
	id, err := strconv.Atoi(strings.TrimPrefix(ref, "Hx"))
	if err != nil || (f.flavor == Pelican && strings.HasPrefix(ref, "Hx")) {
		return nil
	}
	for _, d := range f.dbs {
		if d.id == id && (f.flavor == Pterodactyl || d.server == s.id) {
			return d
		}
	}
	return nil
}

func (f *appFake) serveDatabases(w http.ResponseWriter, r *http.Request, s *appFakeServer, rest []string, body map[string]any) {
	notFound := func() {
		fakeError(w, 404, "NotFoundHttpException", "The requested resource could not be found on the server.")
	}
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		var items []string
		for _, d := range f.dbs {
			if d.server == s.id {
				items = append(items, f.dbJSON(d, f.includes(r), false))
			}
		}
		writeJSON(w, 200, `{"object":"list","data":[`+strings.Join(items, ",")+`]}`)
	case len(rest) == 0 && r.Method == http.MethodPost:
		name, _ := body["database"].(string)
		remote, _ := body["remote"].(string)
		host, ok := body["host"].(float64)
		if !ok || !slices.ContainsFunc(f.hosts, func(h *appFakeHost) bool { return h.id == int(host) }) {
			fakeError(w, 422, CodeValidation, "The selected Database Host Server ID is invalid.")
			return
		}
		d := f.addDBLocked(s.id, int(host), name, remote)
		if f.onCreate != nil && f.onCreate(w) {
			return
		}
		writeJSON(w, 201, f.dbJSON(d, f.includes(r), true))
	case len(rest) >= 1:
		d := f.bind(s, rest[0])
		if d == nil {
			notFound()
			return
		}
		switch {
		case len(rest) == 1 && r.Method == http.MethodGet:
			writeJSON(w, 200, f.dbJSON(d, f.includes(r), false))
		case len(rest) == 1 && r.Method == http.MethodDelete:
			f.dbs = slices.DeleteFunc(f.dbs, func(x *appFakeDB) bool { return x == d })
			w.WriteHeader(http.StatusNoContent)
		case len(rest) == 2 && rest[1] == "reset-password" && r.Method == http.MethodPost:
			f.secret++
			d.password = fmt.Sprintf("pw-%d-%d", d.id, f.secret)
			w.WriteHeader(http.StatusNoContent)
		default:
			notFound()
		}
	default:
		notFound()
	}
}

// hostPageSize is the fake's page: the panel's default, whatever per_page asks.
const hostPageSize = 10

func (f *appFake) addHost(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.hosts[len(f.hosts)-1].id + 1
	f.hosts = append(f.hosts, &appFakeHost{id: id, name: name, host: "10.0.1." + strconv.Itoa(id), port: 3306, username: "panel"})
}

func hostJSON(h *appFakeHost, rels string) string {
	return fmt.Sprintf(`{"object":"database_host","attributes":{"id":%d,"name":%q,"host":%q,"port":%d,"username":%q,`+
		`"created_at":"2026-01-01T00:00:00+00:00","updated_at":"2026-01-01T00:00:00+00:00"%s}}`, h.id, h.name, h.host, h.port, h.username, rels)
}

func (f *appFake) serveHosts(w http.ResponseWriter, r *http.Request, rest []string, body map[string]any) {
	str := func(k string) string { s, _ := body[k].(string); return s }
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		pages := max((len(f.hosts)+hostPageSize-1)/hostPageSize, 1)
		var items []string
		for _, h := range f.hosts[min((page-1)*hostPageSize, len(f.hosts)):min(page*hostPageSize, len(f.hosts))] {
			items = append(items, hostJSON(h, ""))
		}
		writeJSON(w, 200, fmt.Sprintf(`{"object":"list","data":[%s],"meta":{"pagination":{"total":%d,"count":%d,"per_page":%d,`+
			`"current_page":%d,"total_pages":%d}}}`, strings.Join(items, ","), len(f.hosts), len(items), hostPageSize, page, pages))
	case len(rest) == 0 && r.Method == http.MethodPost:
		if str("password") != f.hostLogin {
			fakeGeneric500(w) // the connection test failed; the create was rolled back
			return
		}
		port, _ := body["port"].(float64)
		h := &appFakeHost{id: f.hosts[len(f.hosts)-1].id + 1, name: str("name"), host: str("host"), port: int(port), username: str("username")}
		f.hosts = append(f.hosts, h)
		if f.onCreate != nil && f.onCreate(w) {
			return
		}
		writeJSON(w, 201, hostJSON(h, ""))
	case len(rest) == 1:
		i := slices.IndexFunc(f.hosts, func(h *appFakeHost) bool { return strconv.Itoa(h.id) == rest[0] })
		if i < 0 {
			fakeError(w, 404, "NotFoundHttpException", "The requested resource could not be found on the server.")
			return
		}
		h := f.hosts[i]
		used := 0
		for _, d := range f.dbs {
			if d.host == h.id {
				used++
			}
		}
		switch r.Method {
		case http.MethodGet:
			rels := ""
			if slices.Contains(f.includes(r), "databases") {
				rels = `,"relationships":{"databases":{"object":"null_resource","attributes":null}}`
				if !f.noDatabaseRead {
					rels = `,"relationships":{"databases":{"object":"list","data":[` + strings.Repeat(`{"object":"server_database"},`, used)
					rels = strings.TrimSuffix(rels, ",") + `]}}`
				}
			}
			writeJSON(w, 200, hostJSON(h, rels))
		case http.MethodPatch:
			if pw := str("password"); pw != "" && pw != f.hostLogin {
				fakeGeneric500(w)
				return
			}
			port, _ := body["port"].(float64)
			h.name, h.host, h.port, h.username = str("name"), str("host"), int(port), str("username")
			writeJSON(w, 200, hostJSON(h, ""))
		case http.MethodDelete:
			if used > 0 {
				fakeGeneric500(w) // the databases' foreign key
				return
			}
			f.hosts = slices.Delete(f.hosts, i, i+1)
			w.WriteHeader(http.StatusNoContent)
		}
	}
}
