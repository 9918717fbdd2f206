package paneltest

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Route names a group of requests for faults and request counts.
type Route string

const (
	// RouteGetServer is GET /api/client/servers/{server}.
	RouteGetServer Route = "get_server"
	// RouteListDatabases is GET /api/client/servers/{server}/databases.
	RouteListDatabases Route = "list_databases"
	// RouteCreateDatabase is POST /api/client/servers/{server}/databases.
	RouteCreateDatabase Route = "create_database"
	// RouteRotatePassword is POST …/databases/{database}/rotate-password.
	RouteRotatePassword Route = "rotate_password"
	// RouteDeleteDatabase is DELETE …/databases/{database}.
	RouteDeleteDatabase Route = "delete_database"
	// RouteListServers is GET /api/client, the servers the key's user reaches.
	RouteListServers Route = "list_servers"
	// RouteOther is anything else, including the single GET (405) and GET /api/client/account.
	RouteOther Route = "other"

	// RouteAppListServers is GET /api/application/servers (filters, pages).
	RouteAppListServers Route = "app_list_servers"
	// RouteAppGetServer is GET /api/application/servers/{id}.
	RouteAppGetServer Route = "app_get_server"
	// RouteAppGetServerExternal is GET /api/application/servers/external/{external_id}.
	RouteAppGetServerExternal Route = "app_get_server_external"
	// RouteAppListDatabases is GET /api/application/servers/{id}/databases.
	RouteAppListDatabases Route = "app_list_databases"
	// RouteAppGetDatabase is GET /api/application/servers/{id}/databases/{database}.
	RouteAppGetDatabase Route = "app_get_database"
	// RouteAppCreateDatabase is POST /api/application/servers/{id}/databases.
	RouteAppCreateDatabase Route = "app_create_database"
	// RouteAppResetPassword is POST …/databases/{database}/reset-password.
	RouteAppResetPassword Route = "app_reset_password" //nolint:gosec // a route's name, not a credential
	// RouteAppDeleteDatabase is DELETE /api/application/servers/{id}/databases/{database}.
	RouteAppDeleteDatabase Route = "app_delete_database"
	// RouteAppListDatabaseHosts is GET /api/application/database-hosts (Pelican only; on
	// Pterodactyl every database-hosts path is RouteOther, a 404).
	RouteAppListDatabaseHosts Route = "app_list_database_hosts"
	// RouteAppGetDatabaseHost is GET /api/application/database-hosts/{id} (Pelican).
	RouteAppGetDatabaseHost Route = "app_get_database_host"
	// RouteAppCreateDatabaseHost is POST /api/application/database-hosts (Pelican).
	RouteAppCreateDatabaseHost Route = "app_create_database_host"
	// RouteAppUpdateDatabaseHost is PATCH /api/application/database-hosts/{id} (Pelican).
	RouteAppUpdateDatabaseHost Route = "app_update_database_host"
	// RouteAppDeleteDatabaseHost is DELETE /api/application/database-hosts/{id} (Pelican).
	RouteAppDeleteDatabaseHost Route = "app_delete_database_host"
)

// application reports whether the route is one of the application API's.
func (r Route) application() bool { return strings.HasPrefix(string(r), "app_") }

// Fault changes how the panel answers matching requests. Faults are consumed in the order
// they were injected: a request uses the first fault that matches its route, and each
// matching request consumes one unit of Count.
type Fault struct {
	// Route limits the fault to one route; "" matches every route.
	Route Route
	// Count is how many matching requests the fault applies to; 0 means 1.
	Count int
	// Status, when set, answers with this status (and the panel's error envelope for it)
	// instead of handling the request.
	Status int
	// RetryAfter adds Retry-After in whole seconds (rounded up) and X-RateLimit-Reset to a
	// Status answer; meant for 429 and 503.
	RetryAfter time.Duration
	// DropAfterCommit handles the request fully (the change is committed) and then closes
	// the connection without writing any response. Meaningful for create, rotate, delete.
	DropAfterCommit bool
	// Latency is slept before handling, respecting the request context: a request whose
	// client gives up during it is dropped unhandled.
	Latency time.Duration
	// Arrived, when not nil, receives one value (a blocking send) from each request using the
	// fault as it arrives, before its latency; GaveUp one from each whose client gave up
	// during the latency. Tests use them to know that a request is in flight, and that it
	// stopped.
	Arrived chan<- struct{}
	GaveUp  chan<- struct{}

	// HostLatency, HostHold and OnHost are meaningful for RouteCreateDatabase and
	// RouteAppCreateDatabase only, and only for a create that passes every check (auth,
	// throttles, server, permission or ACL, validation, host, feature flag, database limit
	// and, on the application API, the name check); they are ignored when Status is set.
	//
	// Such a create picks its database host, releases the panel's lock and stays "on the
	// host" for HostLatency and until HostHold is closed, without watching the request
	// context: like PHP, it goes on when the client has hung up. Then it re-takes the lock
	// and commits: if its host already holds a database of the same server with the same
	// stored name, it answers the panel's 500 QueryException and commits nothing, otherwise
	// it calls the Backend and inserts the row. The answer is written to the client if it is
	// still there. Meanwhile other requests are served; a same-named create on another host
	// commits too (see Options.DatabaseHosts), and one on the same host waits for this one,
	// as on the unique index, then fails with the 500 if this one committed.
	HostLatency time.Duration
	// HostHold, when not nil, keeps the create on its host (in addition to HostLatency)
	// until the channel is closed. Close it before the test ends: Close, and the panel's
	// cleanup, wait for the create.
	HostHold <-chan struct{}
	// OnHost, when not nil, receives one value (a blocking send; nothing is closed) from
	// each create using the fault, once it has passed its checks and released the panel's
	// lock, before its time on the host. The create waits until the value is received, so
	// receive it (or make the channel buffered), even when HostHold is nil.
	OnHost chan<- struct{}
}

type faultRec struct {
	f    Fault
	left int
}

// InjectFault queues a fault.
func (p *Panel) InjectFault(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, &faultRec{f: f, left: max(f.Count, 1)})
}

// SetLatency sets a delay added to every request, on top of any fault latency.
func (p *Panel) SetLatency(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency = d
}

// Requests returns how many requests the route received: counted before auth, including
// faulted and rejected ones.
func (p *Panel) Requests(route Route) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[route]
}

// TotalRequests returns how many requests the panel received on every route.
func (p *Panel) TotalRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}

// RequestCounts returns every route that received a request, with its count.
func (p *Panel) RequestCounts() map[Route]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[Route]int, len(p.counts))
	for r, n := range p.counts {
		if n > 0 {
			out[r] = n
		}
	}
	return out
}

// ResetCounts zeroes the request counters.
func (p *Panel) ResetCounts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.counts)
	p.total = 0
}

// admit counts a request and takes the fault that applies to it, with the global latency
// folded into the returned Latency.
func (p *Panel) admit(route Route) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[route]++
	p.total++
	var f Fault
	for i, fr := range p.faults {
		if fr.f.Route != "" && fr.f.Route != route {
			continue
		}
		f = fr.f
		if fr.left--; fr.left == 0 {
			p.faults = append(p.faults[:i], p.faults[i+1:]...)
		}
		break
	}
	f.Latency += p.latency
	return f
}

// sleepContext waits d, or returns false as soon as ctx ends.
func sleepContext(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// faultCodes gives injected statuses the exception names the panel would use for them.
var faultCodes = map[int]string{
	http.StatusBadRequest:          "BadRequestHttpException",
	http.StatusUnauthorized:        "AuthenticationException",
	http.StatusForbidden:           "AccessDeniedHttpException",
	http.StatusNotFound:            "NotFoundHttpException",
	http.StatusConflict:            "ConflictHttpException",
	http.StatusTooManyRequests:     "ThrottleRequestsException",
	http.StatusServiceUnavailable:  "ServiceUnavailableHttpException",
	http.StatusInternalServerError: "HttpException",
}

// writeFault answers with f.Status as the panel would, so clients parse it like a real error;
// a 429 names the limit of the route's API.
func (p *Panel) writeFault(w http.ResponseWriter, r *http.Request, route Route, f Fault) {
	code, ok := faultCodes[f.Status]
	if !ok {
		code = "HttpException"
	}
	detail := http.StatusText(f.Status)
	switch f.Status {
	case http.StatusUnauthorized:
		detail = msgUnauthenticated
	case http.StatusTooManyRequests:
		detail = msgTooManyAttempts
	case http.StatusInternalServerError:
		detail = msgUnexpected
	}
	render := renderPage
	if f.Status == http.StatusUnauthorized {
		render = renderLogin
	}
	h := w.Header()
	if f.Status == http.StatusTooManyRequests {
		limit := p.clientLimit
		if route.application() {
			limit = p.appLimit
		}
		if limit > 0 {
			h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		}
		h.Set("X-RateLimit-Remaining", "0")
	}
	if f.RetryAfter > 0 {
		secs := ceilSeconds(f.RetryAfter)
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(p.opts.Now().Unix()+secs, 10))
	}
	p.writeError(w, r, newError(f.Status, render, code, detail))
}

// dropConnection closes the client's connection without a response. Hijacking is the
// HTTP/1 way; ErrAbortHandler makes any other server (HTTP/2) reset the stream instead.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// discardWriter swallows the response of a request whose connection will be dropped.
type discardWriter struct{ h http.Header }

func newDiscardWriter() *discardWriter               { return &discardWriter{h: http.Header{}} }
func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
