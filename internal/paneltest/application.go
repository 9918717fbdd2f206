package paneltest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The application (admin) API of panel-api.md section 12: servers by internal id, server
// databases on both flavors, database hosts on Pelican. Only these routes exist in the fake;
// the panels' others (users, nodes, creating servers…) answer the 404 of an unknown route.

// matchApplication routes /api/application/{segs…}; segs is not empty.
func matchApplication(method string, segs []string, flavor Flavor) match {
	switch {
	case segs[0] == "servers":
		return matchAppServers(method, segs[1:])
	case segs[0] == "database-hosts" && flavor == Pelican:
		return matchAppHosts(method, segs[1:])
	}
	return match{route: RouteOther}
}

// matchAppServers routes /api/application/servers/{rest…}.
func matchAppServers(method string, rest []string) match {
	switch {
	case len(rest) == 0:
		return pick(method, match{ep: epAppListServers, route: RouteAppListServers}, getOnly, "GET")
	case len(rest) == 2 && rest[0] == "external":
		m := match{ep: epAppGetServerExternal, route: RouteAppGetServerExternal, server: rest[1]}
		return pick(method, m, getOnly, "GET")
	case len(rest) == 1:
		return pick(method, match{ep: epAppGetServer, route: RouteAppGetServer, server: rest[0]}, getOnly, "GET")
	case rest[1] != "databases":
		// not a route: falls out of the switch to the 404
	case len(rest) == 2:
		if method == "POST" {
			return match{ep: epAppCreateDatabase, route: RouteAppCreateDatabase, server: rest[0]}
		}
		m := match{ep: epAppListDatabases, route: RouteAppListDatabases, server: rest[0]}
		return pick(method, m, []string{"GET", "HEAD", "POST"}, "GET")
	case len(rest) == 3:
		m := match{ep: epAppGetDatabase, route: RouteAppGetDatabase, server: rest[0], database: rest[2]}
		if method == "DELETE" {
			m.ep, m.route = epAppDeleteDatabase, RouteAppDeleteDatabase
			return m
		}
		return pick(method, m, []string{"GET", "HEAD", "DELETE"}, "GET")
	case len(rest) == 4 && rest[3] == "reset-password":
		m := match{ep: epAppResetPassword, route: RouteAppResetPassword, server: rest[0], database: rest[2]}
		return pick(method, m, []string{"POST"}, "POST")
	}
	return match{route: RouteOther}
}

// matchAppHosts routes /api/application/database-hosts/{rest…} (Pelican).
func matchAppHosts(method string, rest []string) match {
	switch len(rest) {
	case 0:
		if method == "POST" {
			return match{ep: epAppCreateHost, route: RouteAppCreateDatabaseHost}
		}
		return pick(method, match{ep: epAppListHosts, route: RouteAppListDatabaseHosts}, []string{"GET", "HEAD", "POST"}, "GET")
	case 1:
		m := match{ep: epAppGetHost, route: RouteAppGetDatabaseHost, host: rest[0]}
		switch method {
		case "PATCH":
			m.ep, m.route = epAppUpdateHost, RouteAppUpdateDatabaseHost
			return m
		case "DELETE":
			m.ep, m.route = epAppDeleteHost, RouteAppDeleteDatabaseHost
			return m
		}
		return pick(method, m, []string{"GET", "HEAD", "PATCH", "DELETE"}, "GET")
	}
	return match{route: RouteOther}
}

func errTwoFactor() *panelError {
	return newError(http.StatusBadRequest, renderPage, "TwoFactorAuthRequiredException", msgTwoFactorRequired)
}

// dispatchApplication goes on from dispatch after auth, JSON and 2FA: the throttle, the route
// bindings (404), the admin check (403 for a client key of a user who is not a root admin),
// the key's ACL (403), then the endpoint. Pterodactyl's middleware priority puts the throttle
// before the bindings, as on its client API; Pelican's priority list names only the bindings,
// so its throttle stays last in the group, after the admin check. p.mu is held.
func (p *Panel) dispatchApplication(w http.ResponseWriter, r *http.Request, m match, key *keyRec, in map[string]any, ht hostTime) *panelError {
	throttle := func() *panelError { return p.throttle(w, p.appWindows, key.user, p.appLimit) }
	if p.opts.Flavor == Pterodactyl {
		if e := throttle(); e != nil {
			return e
		}
	}
	var (
		srv  *Server
		db   *dbRec
		host *hostRec
	)
	switch {
	case m.ep == epAppGetServerExternal: // looked up by the controller, after the ACL
	case m.server != "":
		if srv = p.serverByID(m.server); srv == nil {
			return errNotFound(msgModelNotFound)
		}
		if m.database != "" {
			// Pterodactyl's global binding, Pelican's scoped one: see bindDatabase. Nothing
			// later checks that a Pterodactyl database belongs to the server.
			if db = p.bindDatabase(srv, m.database); db == nil {
				return errNotFound(msgModelNotFound)
			}
		}
	case m.host != "":
		if id, ok := parseDigits(m.host); ok {
			host = p.hosts[id]
		}
		if host == nil {
			return errNotFound(msgModelNotFound)
		}
	}
	if !key.application && !key.rootAdmin {
		return errForbidden(msgNoAPIAccess)
	}
	if p.opts.Flavor == Pelican {
		if e := throttle(); e != nil {
			return e
		}
	}
	if resource, bit := p.aclFor(m.ep); !key.allows(resource, bit) {
		return errForbidden(msgUnauthorized)
	}
	switch m.ep {
	case epAppListServers:
		return p.writeAppServerList(w, r, in, key)
	case epAppGetServer:
		writeJSON(w, http.StatusOK, p.appServerItem(srv, in, key))
	case epAppGetServerExternal:
		i := slices.IndexFunc(p.servers, func(s *Server) bool { return s.ExternalID != "" && s.ExternalID == m.server })
		if i < 0 {
			return errNotFound(msgModelNotFound)
		}
		writeJSON(w, http.StatusOK, p.appServerItem(p.servers[i], in, key))
	case epAppListDatabases:
		out := fractalList{Object: "list", Data: []fractalItem{}}
		for _, d := range p.serverDatabases(srv) {
			out.Data = append(out.Data, p.appDatabaseItem(d, in, key, false))
		}
		writeJSON(w, http.StatusOK, out)
	case epAppGetDatabase:
		writeJSON(w, http.StatusOK, p.appDatabaseItem(db, in, key, false))
	case epAppCreateDatabase:
		return p.appCreateDatabase(w, r, srv, key, in, ht)
	case epAppResetPassword:
		if p.rotate(r.Context(), db) != nil {
			return errBackend()
		}
		w.WriteHeader(http.StatusNoContent) // Symfony drops the body and type of a 204
	case epAppDeleteDatabase:
		if p.removeDatabase(r.Context(), db) != nil {
			return errBackend()
		}
		w.WriteHeader(http.StatusNoContent)
	case epAppListHosts:
		return p.writeHostList(w, r, key, in)
	case epAppGetHost:
		writeJSON(w, http.StatusOK, p.hostItemWith(host, in, key))
	case epAppCreateHost:
		return p.createHost(w, r, key, in)
	case epAppUpdateHost:
		return p.updateHost(w, r, key, host, in)
	case epAppDeleteHost:
		if p.hostDatabases(host.id) > 0 {
			return errBackend() // the databases' foreign key refuses the delete
		}
		delete(p.hosts, host.id)
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// aclFor is the resource and permission the endpoint's FormRequest checks.
func (p *Panel) aclFor(ep endpoint) (resource string, bit int) {
	res := ACLResourcesOf(p.opts.Flavor)
	switch ep {
	case epAppListServers, epAppGetServer, epAppGetServerExternal:
		return res.Servers, ACLRead
	case epAppListDatabases, epAppGetDatabase:
		return res.ServerDatabases, ACLRead
	case epAppCreateDatabase, epAppResetPassword, epAppDeleteDatabase:
		return res.ServerDatabases, ACLWrite
	case epAppListHosts, epAppGetHost:
		return res.DatabaseHosts, ACLRead
	default:
		return res.DatabaseHosts, ACLWrite
	}
}

// serverByID resolves {server:id}, the internal id. p.mu is held.
func (p *Panel) serverByID(raw string) *Server {
	id, ok := parseDigits(raw)
	if !ok {
		return nil
	}
	i := slices.IndexFunc(p.servers, func(s *Server) bool { return s.InternalID == id })
	if i < 0 {
		return nil
	}
	return p.servers[i]
}

// fractalItem is one resource as the panel's serializer writes it. Attributes nil is the null
// of a null_resource. Meta is the create answer's {"resource": its URL}.
type fractalItem struct {
	Object     string        `json:"object"`
	Attributes any           `json:"attributes"`
	Meta       *resourceMeta `json:"meta,omitempty"`
}

type resourceMeta struct {
	Resource string `json:"resource"`
}

// fractalList is a collection; Meta is there only when it was paginated.
type fractalList struct {
	Object string        `json:"object"`
	Data   []fractalItem `json:"data"`
	Meta   *listMeta     `json:"meta,omitempty"`
}

type listMeta struct {
	Pagination pagination `json:"pagination"`
}

// atom formats a timestamp as Carbon's toAtomString does in the panel's UTC.
func atom(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }

// queryFilters reads Spatie QueryBuilder's filter[name]=value parameters from the query
// string, each value trimmed (TrimStrings) and split at commas into the alternatives it
// matches. A name the route does not allow is the 400 InvalidFilterQuery, which names the
// unknown filters (sorted here: a query string's order is lost) and the allowed ones.
func queryFilters(r *http.Request, allowed ...string) (map[string][]string, *panelError) {
	out := map[string][]string{}
	var unknown []string
	for k, vs := range r.URL.Query() {
		inner, isFilter := strings.CutPrefix(k, "filter[")
		name, closed := strings.CutSuffix(inner, "]")
		if !isFilter || !closed {
			continue
		}
		if !slices.Contains(allowed, name) {
			unknown = append(unknown, name)
			continue
		}
		var parts []string
		for part := range strings.SplitSeq(strings.TrimSpace(vs[len(vs)-1]), ",") {
			if part != "" {
				parts = append(parts, part)
			}
		}
		if len(parts) > 0 {
			out[name] = parts
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		detail := fmt.Sprintf("Requested filter(s) `%s` are not allowed. Allowed filter(s) are `%s`.",
			strings.Join(unknown, ", "), strings.Join(allowed, ", "))
		return nil, newError(http.StatusBadRequest, renderPage, "InvalidFilterQuery", detail)
	}
	return out, nil
}

// filtersMatch applies Spatie's partial filters: each filter must match, and a filter matches
// when one of its alternatives is a case-insensitive substring of the field (LOWER(column)
// LIKE %value%, with % and _ escaped). A null field (absent from fields) matches nothing.
// So a filter never guarantees an exact match: the caller compares.
func filtersMatch(filters map[string][]string, fields map[string]string) bool {
	for name, alternatives := range filters {
		value, ok := fields[name]
		if !ok || !slices.ContainsFunc(alternatives, func(a string) bool {
			return strings.Contains(strings.ToLower(value), strings.ToLower(a))
		}) {
			return false
		}
	}
	return true
}

// positiveInt is a query parameter that is a whole number of at least 1.
func positiveInt(r *http.Request, name string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(r.URL.Query().Get(name)))
	return n, err == nil && n >= 1
}

// paginate is Laravel's paginate() and Fractal's pagination meta over total items: the page
// is ?page (1 unless a whole number of at least 1), its size ?per_page (the route's default
// unless a whole number of at least 1). A page past the end is empty. The links carry only
// ?page, as the panel's paginator builds them: filters and per_page are not repeated.
func paginate(r *http.Request, total, defaultPerPage int) (from, to int, meta listMeta) {
	return paginatePages(r, total, defaultPerPage, 0, false)
}

// paginatePages is paginate with a cap on per_page (0: none) and, for the client API, links
// that keep the request's query (its paginator appends it; exchange 002).
func paginatePages(r *http.Request, total, defaultPerPage, maxPerPage int, keepQuery bool) (from, to int, meta listMeta) {
	page, ok := positiveInt(r, "page")
	if !ok {
		page = 1
	}
	perPage, ok := positiveInt(r, "per_page")
	if !ok {
		perPage = defaultPerPage
	}
	if maxPerPage > 0 {
		perPage = min(perPage, maxPerPage)
	}
	last := max((total+perPage-1)/perPage, 1)
	from = min((page-1)*perPage, total)
	to = min(from+perPage, total)
	link := func(n int) string { return baseURL(r) + "/" + laravelPath(r) + "?page=" + strconv.Itoa(n) }
	if keepQuery {
		link = func(n int) string { return baseURL(r) + "/" + laravelPath(r) + "?" + withPage(r.URL.RawQuery, n) }
	}
	pg := pagination{Total: total, Count: to - from, PerPage: perPage, CurrentPage: page, TotalPages: last}
	if page > 1 {
		pg.Links.Previous = link(page - 1)
	}
	if page < last {
		pg.Links.Next = link(page + 1)
	}
	return from, to, listMeta{Pagination: pg}
}

// appServerAttributes is the application ServerTransformer's item.
type appServerAttributes struct {
	ID            int             `json:"id"`
	ExternalID    *string         `json:"external_id"`
	UUID          string          `json:"uuid"`
	Identifier    string          `json:"identifier"`
	Name          string          `json:"name"`
	Description   string          `json:"description"`
	Status        *string         `json:"status"`
	Suspended     bool            `json:"suspended"`
	Limits        appServerLimits `json:"limits"`
	FeatureLimits featureLimits   `json:"feature_limits"`
	User          int             `json:"user"`
	Node          int             `json:"node"`
	Allocation    int             `json:"allocation"`
	Nest          *int            `json:"nest,omitempty"` // Pterodactyl only
	Egg           int             `json:"egg"`
	Container     appContainer    `json:"container"`
	UpdatedAt     string          `json:"updated_at"`
	CreatedAt     string          `json:"created_at"`
	// Relationships are the includes asked for; Fractal puts them inside the attributes.
	Relationships map[string]any `json:"relationships,omitempty"`
}

type appServerLimits struct {
	Memory      int   `json:"memory"`
	Swap        int   `json:"swap"`
	Disk        int   `json:"disk"`
	IO          int   `json:"io"`
	CPU         int   `json:"cpu"`
	Threads     *int  `json:"threads"`
	OOMDisabled bool  `json:"oom_disabled"`
	OOMKiller   *bool `json:"oom_killer,omitempty"` // Pelican only
}

type appContainer struct {
	StartupCommand string            `json:"startup_command"`
	Image          string            `json:"image"`
	Installed      int               `json:"installed"`
	Environment    map[string]string `json:"environment"`
}

// serverImage is the container image the fake's servers run, per flavor.
func (p *Panel) serverImage() string {
	if p.opts.Flavor == Pelican {
		return "ghcr.io/parkervcp/yolks:java_21"
	}
	return "ghcr.io/pterodactyl/yolks:java_21"
}

// appServerItem renders a server for the application API. What the fake does not model
// (owner, egg, allocation, resources) has fixed plausible values; servers date from the
// panel's start. Of its includes the fake serves databases (ServerTransformer::
// includeDatabases), with the databases' own password and host includes asked for as
// databases.password and databases.host: a list of objects named "databases" (not
// "server_database"; recorded exchange 099), or a null resource for a key that may not read
// server databases. Unknown includes are ignored, as the panel ignores them (exchange 137).
func (p *Panel) appServerItem(s *Server, in map[string]any, key *keyRec) fractalItem {
	a := appServerAttributes{
		ID:            s.InternalID,
		UUID:          s.UUID,
		Identifier:    s.Identifier,
		Name:          s.Name,
		Description:   s.Description,
		Status:        serverStatus(s.State),
		Suspended:     s.State.Suspended,
		Limits:        appServerLimits{Memory: 1024, Disk: 10240, IO: 500, CPU: 100, OOMDisabled: true},
		FeatureLimits: featureLimits{Databases: copyLimit(s.DatabaseLimit)},
		User:          1,
		Node:          s.Node,
		Allocation:    s.InternalID,
		Egg:           1,
		Container: appContainer{StartupCommand: "java -Xms128M -jar server.jar", Image: p.serverImage(),
			Installed: 1, Environment: map[string]string{}},
		UpdatedAt: atom(p.started),
		CreatedAt: atom(p.started),
	}
	if s.ExternalID != "" {
		a.ExternalID = &s.ExternalID
	}
	if s.State.Installing || s.State.InstallFailed {
		a.Container.Installed = 0
	}
	if p.opts.Flavor == Pelican {
		killer := !a.Limits.OOMDisabled
		a.Limits.OOMKiller = &killer
	} else {
		nest := 1
		a.Nest = &nest
	}
	if nested, ok := nestedIncludes(in, "databases"); ok {
		var dbs any = fractalItem{Object: "null_resource"}
		if key.allows(ACLResourcesOf(p.opts.Flavor).ServerDatabases, ACLRead) {
			list := fractalList{Object: "list", Data: []fractalItem{}}
			for _, d := range p.serverDatabases(s) {
				item := p.appDatabaseItem(d, map[string]any{"include": nested}, key, false)
				item.Object = "databases"
				list.Data = append(list.Data, item)
			}
			dbs = list
		}
		a.Relationships = map[string]any{"databases": dbs}
	}
	return fractalItem{Object: "server", Attributes: a}
}

// nestedIncludes reports whether ?include asks for name, alone or through one of its own
// includes (name.x, which Fractal takes as name too), and returns those as a list.
func nestedIncludes(in map[string]any, name string) ([]any, bool) {
	raw, _ := in["include"].(string)
	var nested []any
	asked := false
	for part := range strings.SplitSeq(raw, ",") {
		part = strings.TrimSpace(part)
		if part == name {
			asked = true
		} else if rest, ok := strings.CutPrefix(part, name+"."); ok {
			asked = true
			nested = append(nested, rest)
		}
	}
	return nested, asked
}

// shortIDFilter is the filter on the 8-character identifier: the column's name on each panel.
func (p *Panel) shortIDFilter() string {
	if p.opts.Flavor == Pelican {
		return "uuid_short"
	}
	return "uuidShort"
}

// writeAppServerList answers GET /api/application/servers: every server in id order, filtered
// and paginated 50 to a page.
func (p *Panel) writeAppServerList(w http.ResponseWriter, r *http.Request, in map[string]any, key *keyRec) *panelError {
	short := p.shortIDFilter()
	filters, e := queryFilters(r, "uuid", short, "name", "description", "image", "external_id")
	if e != nil {
		return e
	}
	var found []*Server
	for _, s := range p.servers {
		fields := map[string]string{"uuid": s.UUID, short: s.Identifier, "name": s.Name, "description": s.Description, "image": p.serverImage()}
		if s.ExternalID != "" {
			fields["external_id"] = s.ExternalID
		}
		if filtersMatch(filters, fields) {
			found = append(found, s)
		}
	}
	slices.SortFunc(found, func(a, b *Server) int { return a.InternalID - b.InternalID })
	from, to, meta := paginate(r, len(found), 50)
	out := fractalList{Object: "list", Data: []fractalItem{}, Meta: &meta}
	for _, s := range found[from:to] {
		out.Data = append(out.Data, p.appServerItem(s, in, key))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// withPage is the query with page set to n, where it was or last, in the query's order, as
// Laravel's paginator merges the page into the query it appends.
func withPage(raw string, n int) string {
	var parts []string
	set := false
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		if k, _, _ := strings.Cut(kv, "="); k == "page" {
			if set {
				continue
			}
			kv, set = "page="+strconv.Itoa(n), true
		}
		parts = append(parts, kv)
	}
	if !set {
		parts = append(parts, "page="+strconv.Itoa(n))
	}
	return strings.Join(parts, "&")
}

// phpInteger is what FILTER_VALIDATE_INT accepts, as Laravel's integer rule uses it.
var phpInteger = regexp.MustCompile(`^[+-]?(0|[1-9][0-9]*)$`)

// integerValue is the integer rule on a classified value.
func integerValue(text string, kind valueKind) (int, bool) {
	if kind != valueString && kind != valueNumber || !phpInteger.MatchString(text) {
		return 0, false
	}
	n, err := strconv.Atoi(text)
	return n, err == nil
}

// fieldErrors collects 422 elements, one per failed rule.
type fieldErrors []errorItem

func (e *fieldErrors) add(field, rule, detail string) {
	it := item("ValidationException", http.StatusUnprocessableEntity, detail)
	it.Meta = &errorMeta{SourceField: field, Rule: rule}
	*e = append(*e, it)
}

func (e fieldErrors) failed() *panelError {
	return &panelError{status: http.StatusUnprocessableEntity, render: renderBack, items: e}
}
