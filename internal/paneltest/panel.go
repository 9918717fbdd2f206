// Package paneltest is an in-memory fake of the Pterodactyl and Pelican panels' client API for
// server databases, and of their application (admin) API for servers, server databases and
// (Pelican) database hosts, served over real HTTP. It reproduces the status codes, error
// bodies, check order and flavor differences documented in shared/panel-api.md so that
// provider code can be tested without a panel, and it adds fault injection, latency and rate
// limits on top. Both APIs share one store: a database made through one is seen by the other.
//
// Like a real panel (PHP-FPM runs a request to its end), a create can outlive its client: with
// Fault.HostLatency or Fault.HostHold it spends time on its database host after its checks and
// commits afterwards even if the client has hung up. With Options.DatabaseHosts > 1, two
// overlapping creates of the same name land on different hosts and both commit, the duplicate a
// real panel makes; on one host the later one fails with a 500. Panel.WaitIdle waits for such
// requests to finish so that a test can look at the final state.
package paneltest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Flavor selects which panel the fake imitates.
type Flavor string

const (
	// Pterodactyl imitates Pterodactyl panel 1.11 (or 1.12, see Options.Version): Hashids
	// database ids, 720 requests/min.
	Pterodactyl Flavor = "pterodactyl"
	// Pelican imitates Pelican panel beta38: integer database ids, 256 requests/min and
	// 2 database creates per minute per server.
	Pelican Flavor = "pelican"
)

// The Pterodactyl versions the fake imitates (Options.Version).
const (
	Version111 = "1.11"
	Version112 = "1.12"
)

// Options configures a Panel. The zero value is a Pterodactyl panel with its default limits.
type Options struct {
	// Flavor is the panel to imitate; default Pterodactyl.
	Flavor Flavor
	// RateLimit is requests per minute per user (see Key.User) on the client API. 0 = flavor
	// default (720 Pterodactyl, 256 Pelican); negative = unlimited.
	RateLimit int
	// ApplicationRateLimit is requests per minute per user on the application API, a window
	// apart from the client API's. 0 = flavor default (240 Pterodactyl, 256 Pelican);
	// negative = unlimited.
	ApplicationRateLimit int
	// Version is the Pterodactyl release to imitate: "1.11" (the default) or "1.12". 1.12
	// added ResourceLimit::DatabaseCreate, which Pelican has too: database creates through
	// the client API are throttled per server (keyed by its UUID, whoever sends them), 2 a
	// minute. Pelican ignores it. New panics on another version.
	Version string
	// CreateRateLimit is database creates per minute per server (ResourceLimit::DatabaseCreate).
	// 0 = the panel's default (2 on Pelican and on Pterodactyl 1.12, unlimited on Pterodactyl
	// 1.11); negative = unlimited.
	CreateRateLimit int
	// DatabaseHost is the address of the database hosts the panel starts with, reported in
	// host.address; default the Backend's ("127.0.0.1" without one).
	DatabaseHost string
	// DatabasePort is their port, reported in host.port; default the Backend's (3306 without
	// one).
	DatabasePort int
	// DatabaseHostName and DatabaseHostUsername are the name and the login of the database
	// host the panel starts with (id 1; more are "Host {ID}"); default "Host 1" and the
	// Backend's login ("panel" without one).
	DatabaseHostName, DatabaseHostUsername string
	// Backend is the database host on which the panel creates, rotates and drops databases
	// and users; nil keeps them in memory only.
	Backend Backend
	// DatabaseHosts is how many database hosts the panel starts with, with ids 1 to
	// DatabaseHosts, each serving every node; 0 means 1, and New panics on a negative count.
	// More can be added with AddDatabaseHost or, on Pelican, through the application API.
	// Each database records its host (Database.HostID). A real panel picks a host at random
	// for each create; the fake picks them round-robin, so that two overlapping creates land
	// on different hosts deterministically, which is the case where a real panel makes a
	// duplicate.
	//
	// These hosts report the same address and port, and every host, however it was added, is
	// the one Backend. That is right for the default in-memory Backend. With a Backend that is
	// a real server (such as mysqlhost), the hosts are one MySQL server: a same-named create
	// that lands on a second host fails there (500) instead of committing a duplicate, so use
	// DatabaseHosts > 1 with the in-memory Backend.
	DatabaseHosts int
	// Nodes is how many nodes the panel has, with ids 1 to Nodes; 0 means 1, and New panics
	// on a negative count. Servers live on one (Server.Node); database hosts serve some
	// (DatabaseHost.NodeIDs).
	Nodes int
	// Now is the clock for rate-limit windows and Retry-After arithmetic; default time.Now.
	Now func() time.Time
}

// Panel is a fake panel. All methods are safe for concurrent use.
type Panel struct {
	opts        Options
	clientLimit int // <= 0: unlimited
	appLimit    int // <= 0: unlimited
	createLimit int // <= 0: unlimited
	started     time.Time
	ids         *hashids

	url       string
	srv       *httptest.Server
	closeOnce sync.Once

	mu             sync.Mutex
	servers        []*Server // in insertion order
	nextServerID   int
	keys           map[string]*keyRec
	dbs            map[int]*dbRec
	dbByPublicID   map[string]int
	nextDBID       int
	hostAvailable  bool
	featureEnabled bool
	faults         []*faultRec
	latency        time.Duration
	counts         map[Route]int
	total          int
	clientWindows  limiter
	appWindows     limiter
	createWindows  limiter
	hosts          map[int]*hostRec // database hosts by id
	nextHostID     int
	loginCheck     func(HostLogin) error    // nil: the Backend's, when it is a LoginChecker
	hostTurn       int                      // round-robin position for the next host pick
	inserting      map[rowKey]chan struct{} // the last create queued on each row; see reachHost

	activity *activity // requests being handled, for WaitIdle; has its own lock
}

// New returns a Panel that is not listening; serve it with Handler, or use Start.
// It panics on an unknown Flavor.
func New(opts Options) *Panel {
	switch opts.Flavor {
	case "":
		opts.Flavor = Pterodactyl
	case Pterodactyl, Pelican:
	default:
		panic(fmt.Sprintf("paneltest: unknown flavor %q", opts.Flavor))
	}
	switch opts.Version {
	case "":
		opts.Version = Version111
	case Version111, Version112:
	default:
		panic(fmt.Sprintf("paneltest: unknown Pterodactyl version %q (want %s or %s)", opts.Version, Version111, Version112))
	}
	if opts.Backend == nil {
		opts.Backend = memoryHost{}
	}
	host, port := opts.Backend.Address()
	if opts.DatabaseHost == "" {
		opts.DatabaseHost = host
	}
	if opts.DatabasePort == 0 {
		opts.DatabasePort = port
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch {
	case opts.DatabaseHosts < 0:
		panic(fmt.Sprintf("paneltest: negative DatabaseHosts %d", opts.DatabaseHosts))
	case opts.DatabaseHosts == 0:
		opts.DatabaseHosts = 1
	}
	switch {
	case opts.Nodes < 0:
		panic(fmt.Sprintf("paneltest: negative Nodes %d", opts.Nodes))
	case opts.Nodes == 0:
		opts.Nodes = 1
	}
	p := &Panel{
		opts:           opts,
		clientLimit:    opts.RateLimit,
		appLimit:       opts.ApplicationRateLimit,
		createLimit:    opts.CreateRateLimit,
		started:        opts.Now(),
		ids:            newHashids(randomString(20), 8),
		nextServerID:   1,
		keys:           map[string]*keyRec{},
		dbs:            map[int]*dbRec{},
		dbByPublicID:   map[string]int{},
		nextDBID:       1,
		hostAvailable:  true,
		featureEnabled: true,
		counts:         map[Route]int{},
		clientWindows:  limiter{},
		appWindows:     limiter{},
		createWindows:  limiter{},
		hosts:          map[int]*hostRec{},
		nextHostID:     1,
		inserting:      map[rowKey]chan struct{}{},
		activity:       newActivity(),
	}
	if p.clientLimit == 0 {
		p.clientLimit = 720
		if opts.Flavor == Pelican {
			p.clientLimit = 256
		}
	}
	if p.appLimit == 0 {
		p.appLimit = 240
		if opts.Flavor == Pelican {
			p.appLimit = 256
		}
	}
	if p.createLimit == 0 && (opts.Flavor == Pelican || opts.Version == Version112) {
		p.createLimit = 2
	}
	p.seedHosts()
	return p
}

// Start creates a Panel and serves it with httptest.NewServer until tb's cleanup runs.
func Start(tb testing.TB, opts Options) *Panel {
	tb.Helper()
	p := New(opts)
	p.srv = httptest.NewServer(p.Handler())
	p.url = p.srv.URL
	tb.Cleanup(p.Close)
	return p
}

// Handler returns the panel's HTTP handler.
func (p *Panel) Handler() http.Handler { return http.HandlerFunc(p.serveHTTP) }

// URL returns the base URL of a panel made by Start, or "" for one made by New.
func (p *Panel) URL() string { return p.url }

// Close stops the server started by Start. It is idempotent and a no-op for New panels.
func (p *Panel) Close() {
	p.closeOnce.Do(func() {
		if p.srv != nil {
			p.srv.Close()
		}
	})
}

// Flavor returns the panel flavor being imitated.
func (p *Panel) Flavor() Flavor { return p.opts.Flavor }

// Describe names the panel the fake imitates: "pelican", or "pterodactyl 1.11" or "1.12".
func (p *Panel) Describe() string {
	if p.opts.Flavor == Pelican {
		return string(Pelican)
	}
	return string(Pterodactyl) + " " + p.opts.Version
}

// SetDatabaseHostAvailable simulates an installation with (true, the default) or without a
// usable database host; without one, creates answer 400 NoSuitableDatabaseHostException.
func (p *Panel) SetDatabaseHostAvailable(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hostAvailable = ok
}

// SetDatabasesFeatureEnabled simulates PTERODACTYL_CLIENT_DATABASES_ENABLED; when false,
// creates answer 500 DatabaseClientFeatureNotEnabledException.
func (p *Panel) SetDatabasesFeatureEnabled(enabled bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.featureEnabled = enabled
}

// maxBody bounds request bodies; real requests to these routes are tiny.
const maxBody = 1 << 20

// serveHTTP applies counting, latency and faults, then handles the request. It counts as
// active for WaitIdle from its start until the request is fully handled.
func (p *Panel) serveHTTP(w http.ResponseWriter, r *http.Request) {
	p.activity.begin()
	defer p.activity.end()
	r = r.WithContext(context.WithValue(r.Context(), creatorKey{}, r.UserAgent()))
	m := matchRequest(r, p.opts.Flavor)
	f := p.admit(m.route)
	// Reading the whole body first lets net/http notice a client that hangs up during the
	// latency below (it only watches the connection once the body is consumed), and keeps
	// slow uploads from stalling the panel while it holds its lock.
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if f.Arrived != nil {
		f.Arrived <- struct{}{}
	}
	if !sleepContext(r.Context(), f.Latency) {
		if f.GaveUp != nil {
			f.GaveUp <- struct{}{}
		}
		return // the client gave up; nobody is left to answer
	}
	switch {
	case f.Status != 0:
		p.writeFault(w, r, m.route, f)
	case f.DropAfterCommit:
		p.handle(newDiscardWriter(), r, m, body, hostTimeOf(f))
		dropConnection(w)
	default:
		p.handle(w, r, m, body, hostTimeOf(f))
	}
}

// creatorKey carries the User-Agent of a request to the row it makes (Database.Creator).
type creatorKey struct{}

// handle runs the panel's checks in the order of panel-api.md section 4. ht is the fault's
// time on the database host, used by creates only.
func (p *Panel) handle(w http.ResponseWriter, r *http.Request, m match, body []byte, ht hostTime) {
	if m.ep == epNone {
		p.writeError(w, r, routeNotFound(r))
		return
	}
	if m.allow != nil {
		w.Header().Set("Allow", strings.Join(m.allow, ", "))
		p.writeError(w, r, methodNotAllowed(r, m.allow))
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.dispatch(w, r, m, body, ht); e != nil {
		p.writeError(w, r, e)
	}
}

// dispatch performs checks (1) to (13); it either writes a success and returns nil, or
// returns the error to render. p.mu is held (a create releases it while on its host).
func (p *Panel) dispatch(w http.ResponseWriter, r *http.Request, m match, body []byte, ht hostTime) *panelError {
	key := p.authenticate(r) // (1)
	if key == nil {
		return errUnauthenticated()
	}
	if ip, ok := key.fromAllowedAddress(r); !ok {
		return errForbidden(fmt.Sprintf(msgIPNotAllowed, ip))
	}
	in, e := parseInput(r, body) // (2)
	if e != nil {
		return e
	}
	if key.no2FA && p.opts.Flavor == Pterodactyl { // (3), on both APIs
		return errTwoFactor()
	}
	if m.route.application() {
		return p.dispatchApplication(w, r, m, key, in, ht)
	}
	// The client API's throttle is the route group's last middleware: it runs after the
	// bindings (6) and the application key check (7), so their answers carry no rate-limit
	// headers and cost nothing of the window (exchanges 010, 036, 122).
	if m.ep == epListServers || m.ep == epAccount {
		if key.application {
			return errForbidden(msgApplicationKey)
		}
		if e := p.throttle(w, p.clientWindows, key.user, p.clientLimit); e != nil { // (5)
			return e
		}
		if m.ep == epAccount {
			writeJSON(w, http.StatusOK, key.account())
			return nil
		}
		return p.writeServerList(w, r, key)
	}
	srv := p.findServer(m.server) // (6)
	if srv == nil {
		return errNotFound(msgModelNotFound)
	}
	var db *dbRec
	if m.database != "" {
		if db = p.bindDatabase(srv, m.database); db == nil {
			return errNotFound(msgModelNotFound)
		}
	}
	if key.application { // (7)
		return errForbidden(msgApplicationKey)
	}
	if e := p.throttle(w, p.clientWindows, key.user, p.clientLimit); e != nil { // (5)
		return e
	}
	perms, ok := key.access(srv) // (8)
	if !ok {
		return errNotFound(msgServerAccessNotFound)
	}
	if m.ep == epGetServer {
		p.writeServer(w, srv, key, perms)
		return nil
	}
	if e := stateConflict(srv.State); e != nil { // (9)
		return e
	}
	if db != nil && db.serverID != srv.InternalID { // (10)
		return errNotFound(msgNotForThisServer)
	}
	// The create throttle (Pelican, Pterodactyl 1.12) is route middleware, so it runs after the
	// group's (6)-(10).
	if m.ep == epCreateDatabase {
		if e := p.throttleOnly(w, p.createWindows, strconv.Itoa(srv.InternalID), p.createLimit); e != nil {
			return e
		}
	}
	if !hasPermission(perms, permissionFor(m.ep)) { // (11); validation (12) is in createDatabase
		return errForbidden(msgUnauthorized)
	}
	view := hasPermission(perms, p.ViewPasswordPermission())
	switch m.ep {
	case epListDatabases:
		p.writeDatabaseList(w, srv, wantsPassword(in), view)
	case epCreateDatabase:
		return p.createDatabase(r.Context(), w, srv, in, view, ht)
	case epRotatePassword:
		if p.rotate(r.Context(), db) != nil {
			return errBackend()
		}
		writeJSON(w, http.StatusOK, p.databaseItem(db, true, view, false))
	case epDeleteDatabase:
		if p.removeDatabase(r.Context(), db) != nil {
			return errBackend()
		}
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}
