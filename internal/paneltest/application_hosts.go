package paneltest

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// DatabaseHost is a database host as the test sees it, password and nodes included: the API
// never shows either.
type DatabaseHost struct {
	// ID is database_hosts.id, which Database.HostID and the application API use.
	ID   int
	Name string
	// Host and Port are the address the panel logs in to, and that its databases report.
	Host     string
	Port     int
	Username string
	Password string
	// NodeIDs are the nodes the host serves (Pelican's many-to-many; Pterodactyl's single
	// node_id is the first). A client API create prefers a host serving its server's node.
	NodeIDs []int
}

// hostRec is the stored database host.
type hostRec struct {
	id       int
	name     string
	host     string
	port     int
	username string
	password string
	nodes    []int // sorted, unique
	created  time.Time
	updated  time.Time
}

func (h *hostRec) export() DatabaseHost {
	return DatabaseHost{ID: h.id, Name: h.name, Host: h.host, Port: h.port, Username: h.username,
		Password: h.password, NodeIDs: slices.Clone(h.nodes)}
}

// seedHosts makes the Options.DatabaseHosts hosts of a new panel: each serves every node, at
// Options.DatabaseHost and DatabasePort, and logs in with the Backend's own account when it
// has one (LoginChecker), so that the check of an update passes.
func (p *Panel) seedHosts() {
	user, password := "panel", randomString(24)
	if lc, ok := p.opts.Backend.(LoginChecker); ok {
		l := lc.Login()
		user, password = l.Username, l.Password
	}
	nodes := make([]int, p.opts.Nodes)
	for i := range nodes {
		nodes[i] = i + 1
	}
	if p.opts.DatabaseHostUsername != "" {
		user = p.opts.DatabaseHostUsername
	}
	for i := range p.opts.DatabaseHosts {
		h := DatabaseHost{Username: user, Password: password, NodeIDs: nodes}
		if i == 0 {
			h.Name = p.opts.DatabaseHostName
		}
		p.addHost(h)
	}
}

// AddDatabaseHost adds a database host out of band (no login check), as an admin does in
// Pterodactyl's admin area, and returns it with the defaults filled in: the next free id,
// name "Host {ID}", Options.DatabaseHost and DatabasePort, username "panel" and a random
// password. NodeIDs nil means no node. It panics if the id is taken or a node does not exist.
func (p *Panel) AddDatabaseHost(h DatabaseHost) DatabaseHost {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h.Username == "" {
		h.Username = "panel"
	}
	if h.Password == "" {
		h.Password = randomString(24)
	}
	return p.addHost(h).export()
}

// addHost stores h with the defaults filled in. p.mu is held (or the panel is new).
func (p *Panel) addHost(h DatabaseHost) *hostRec {
	if h.ID == 0 {
		h.ID = p.nextHostID
	}
	if p.hosts[h.ID] != nil || h.ID < 0 {
		panic(fmt.Sprintf("paneltest: database host id %d is taken or invalid", h.ID))
	}
	for _, n := range h.NodeIDs {
		if n < 1 || n > p.opts.Nodes {
			panic(fmt.Sprintf("paneltest: database host %d on node %d, but the panel has nodes 1 to %d", h.ID, n, p.opts.Nodes))
		}
	}
	if h.Name == "" {
		h.Name = fmt.Sprintf("Host %d", h.ID)
	}
	if h.Host == "" {
		h.Host = p.opts.DatabaseHost
	}
	if h.Port == 0 {
		h.Port = p.opts.DatabasePort
	}
	now := p.opts.Now()
	rec := &hostRec{id: h.ID, name: h.Name, host: h.Host, port: h.Port, username: h.Username, password: h.Password,
		nodes: uniqueSorted(h.NodeIDs), created: now, updated: now}
	p.hosts[rec.id] = rec
	p.nextHostID = max(p.nextHostID, rec.id+1)
	return rec
}

func uniqueSorted(ids []int) []int {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// DatabaseHosts returns the panel's database hosts in id order.
func (p *Panel) DatabaseHosts() []DatabaseHost {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []DatabaseHost
	for _, id := range p.hostIDs(nil) {
		out = append(out, p.hosts[id].export())
	}
	return out
}

// DatabaseHost returns the database host with that id, password included, for a test to see
// what was sent or kept.
func (p *Panel) DatabaseHost(id int) (DatabaseHost, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h := p.hosts[id]; h != nil {
		return h.export(), true
	}
	return DatabaseHost{}, false
}

// DatabasesOnHost counts the databases of every server on the host with that id.
func (p *Panel) DatabasesOnHost(id int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hostDatabases(id)
}

// SetHostLoginCheck replaces the check of a database host's login that Pelican makes when a
// host is created or updated through the application API: check receives the host's address
// and credentials (the old password when the update sends none), and an error fails the
// request with the panel's generic 500. nil restores the default: the Backend's CheckLogin
// when it is a LoginChecker (mysqlhost really connects), otherwise every login works. The
// panel calls check with its lock held: it must not call the Panel.
func (p *Panel) SetHostLoginCheck(check func(HostLogin) error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.loginCheck = check
}

// checkLogin is $host->buildConnection()->getPdo(). p.mu is held.
func (p *Panel) checkLogin(ctx context.Context, l HostLogin) error {
	if p.loginCheck != nil {
		return p.loginCheck(l)
	}
	if lc, ok := p.opts.Backend.(LoginChecker); ok {
		ctx, cancel := backendContext(ctx)
		defer cancel()
		return lc.CheckLogin(ctx, l)
	}
	return nil
}

// errConnect is the panel's answer when it cannot log in to a database host: the PDOException
// of the connection, rendered as the generic 500.
func errConnect() *panelError {
	return newError(http.StatusInternalServerError, renderPage, "PDOException", msgUnexpected)
}

// hostIDs returns the ids of the hosts that keep (all when keep is nil), in order. p.mu is held.
func (p *Panel) hostIDs(keep func(*hostRec) bool) []int {
	var ids []int
	for id, h := range p.hosts {
		if keep == nil || keep(h) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// hostDatabases counts the databases on a host. p.mu is held.
func (p *Panel) hostDatabases(id int) int {
	n := 0
	for _, d := range p.dbs {
		if d.hostID == id {
			n++
		}
	}
	return n
}

type hostAttributes struct {
	ID            int            `json:"id"`
	Name          string         `json:"name"`
	Host          string         `json:"host"`
	Port          int            `json:"port"`
	Username      string         `json:"username"`
	CreatedAt     string         `json:"created_at"`
	UpdatedAt     string         `json:"updated_at"`
	Relationships map[string]any `json:"relationships,omitempty"`
}

// pterodactylHostAttributes adds Pterodactyl's single node_id, which may be null.
type pterodactylHostAttributes struct {
	hostAttributes
	Node *int `json:"node"`
}

// hostItem renders a host with the given relationships (nil: none): never its password or
// node list.
func (p *Panel) hostItem(h *hostRec, rel map[string]any) fractalItem {
	a := hostAttributes{ID: h.id, Name: h.name, Host: h.host, Port: h.port, Username: h.username,
		CreatedAt: atom(h.created), UpdatedAt: atom(h.updated), Relationships: rel}
	if p.opts.Flavor == Pelican {
		return fractalItem{Object: "database_host", Attributes: a}
	}
	pa := pterodactylHostAttributes{hostAttributes: a}
	if len(h.nodes) > 0 {
		pa.Node = &h.nodes[0]
	}
	return fractalItem{Object: "database_host", Attributes: pa}
}

// hostItemWith renders a host answered by the host routes (Pelican), with the includes asked
// for: "databases" with server-database READ, "nodes" with node READ, each a null_resource
// otherwise. Reading node_ids back takes ?include=nodes.
func (p *Panel) hostItemWith(h *hostRec, in map[string]any, key *keyRec) fractalItem {
	res := ACLResourcesOf(p.opts.Flavor)
	rel := map[string]any{}
	if wantsInclude(in, "databases") {
		rel["databases"] = fractalItem{Object: "null_resource"}
		if key.allows(res.ServerDatabases, ACLRead) {
			list := fractalList{Object: "list", Data: []fractalItem{}}
			for _, d := range p.sortedDatabases(func(d *dbRec) bool { return d.hostID == h.id }) {
				list.Data = append(list.Data, p.appDatabaseItem(d, nil, key, false))
			}
			rel["databases"] = list
		}
	}
	if wantsInclude(in, "nodes") {
		rel["nodes"] = fractalItem{Object: "null_resource"}
		if key.allows(res.Nodes, ACLRead) {
			list := fractalList{Object: "list", Data: []fractalItem{}}
			for _, n := range h.nodes {
				list.Data = append(list.Data, p.nodeItem(n))
			}
			rel["nodes"] = list
		}
	}
	if len(rel) == 0 {
		rel = nil
	}
	return p.hostItem(h, rel)
}

// sortedDatabases returns the databases that keep, in id order. p.mu is held.
func (p *Panel) sortedDatabases(keep func(*dbRec) bool) []*dbRec {
	var out []*dbRec
	for _, d := range p.dbs {
		if keep(d) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *dbRec) int { return a.id - b.id })
	return out
}

type nodeAttributes struct {
	ID                 int            `json:"id"`
	UUID               string         `json:"uuid"`
	Public             bool           `json:"public"`
	Name               string         `json:"name"`
	Description        string         `json:"description"`
	FQDN               string         `json:"fqdn"`
	Scheme             string         `json:"scheme"`
	BehindProxy        bool           `json:"behind_proxy"`
	MaintenanceMode    bool           `json:"maintenance_mode"`
	Memory             int            `json:"memory"`
	MemoryOverallocate int            `json:"memory_overallocate"`
	Disk               int            `json:"disk"`
	DiskOverallocate   int            `json:"disk_overallocate"`
	CPU                int            `json:"cpu"`
	CPUOverallocate    int            `json:"cpu_overallocate"`
	UploadSize         int            `json:"upload_size"`
	DaemonListen       int            `json:"daemon_listen"`
	DaemonSFTP         int            `json:"daemon_sftp"`
	DaemonBase         string         `json:"daemon_base"`
	CreatedAt          string         `json:"created_at"`
	UpdatedAt          string         `json:"updated_at"`
	AllocatedResources map[string]int `json:"allocated_resources"`
}

// nodeItem renders node id as Pelican's NodeTransformer does, with fixed plausible values for
// what the fake does not model.
func (p *Panel) nodeItem(id int) fractalItem {
	return fractalItem{Object: "node", Attributes: nodeAttributes{
		ID: id, UUID: fmt.Sprintf("00000000-0000-4000-8000-%012d", id), Public: true, Name: fmt.Sprintf("Node %d", id),
		FQDN: fmt.Sprintf("node%d.example.com", id), Scheme: "https", Memory: 16384, Disk: 102400, UploadSize: 256,
		DaemonListen: 8080, DaemonSFTP: 2022, DaemonBase: "/var/lib/pelican/volumes",
		CreatedAt: atom(p.started), UpdatedAt: atom(p.started), AllocatedResources: map[string]int{"memory": 0, "disk": 0, "cpu": 0},
	}}
}

// writeHostList answers GET /api/application/database-hosts: filters name and host,
// paginated 10 to a page.
func (p *Panel) writeHostList(w http.ResponseWriter, r *http.Request, key *keyRec, in map[string]any) *panelError {
	filters, e := queryFilters(r, "name", "host")
	if e != nil {
		return e
	}
	var found []*hostRec
	for _, id := range p.hostIDs(nil) {
		h := p.hosts[id]
		if filtersMatch(filters, map[string]string{"name": h.name, "host": h.host}) {
			found = append(found, h)
		}
	}
	from, to, meta := paginate(r, len(found), 10)
	out := fractalList{Object: "list", Data: []fractalItem{}, Meta: &meta}
	for _, h := range found[from:to] {
		out.Data = append(out.Data, p.hostItemWith(h, in, key))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// hostInput is a validated host body. An empty password is none.
type hostInput struct {
	name, host, username, password string
	port                           int
	nodes                          []int
}

// phpNumeric is PHP's is_numeric for the text of a trimmed value.
var phpNumeric = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// validateHost applies DatabaseHost's rules, the same on create and update: name
// required|string|max:255, host required|string, port required|numeric|between:1,65535,
// username required|string|max:32, password nullable|string, node_ids nullable|array and
// each required|integer|exists. p.mu is held.
func (p *Panel) validateHost(in map[string]any) (v hostInput, errs fieldErrors) {
	v.name = errs.requiredString(in, "name", 255)
	v.host = errs.requiredString(in, "host", 0)
	switch text, kind := classify(in["port"]); {
	case kind == valueEmpty:
		errs.add("port", "required", "The port field is required.")
	case kind == valueOther || !phpNumeric.MatchString(text):
		errs.add("port", "numeric", "The port must be a number.")
	default:
		if f, _ := strconv.ParseFloat(text, 64); f < 1 || f > 65535 {
			errs.add("port", "between", "The port must be between 1 and 65535.")
		} else {
			v.port = int(f)
		}
	}
	v.username = errs.requiredString(in, "username", 32)
	// TrimStrings leaves passwords alone, so only "" is empty (null).
	switch pw := in["password"].(type) {
	case nil:
	case string:
		v.password = pw
	default:
		errs.add("password", "string", "The password must be a string.")
	}
	switch ids := in["node_ids"].(type) {
	case nil:
	case []any:
		for i, x := range ids {
			field, attr := "node_ids."+strconv.Itoa(i), "node ids."+strconv.Itoa(i)
			text, kind := classify(x)
			if kind == valueEmpty {
				errs.add(field, "required", "The "+attr+" field is required.")
				continue
			}
			id, isInt := integerValue(text, kind)
			if !isInt {
				errs.add(field, "integer", "The "+attr+" must be an integer.")
			}
			if !isInt || id < 1 || id > p.opts.Nodes {
				errs.add(field, "exists", "The selected "+attr+" is invalid.")
				continue
			}
			v.nodes = append(v.nodes, id)
		}
	default:
		if _, kind := classify(ids); kind != valueEmpty {
			errs.add("node_ids", "array", "The node ids must be an array.")
		}
	}
	return v, errs
}

// requiredString is required|string|max:limit (no max when limit is 0). A number fails
// string but is measured by its text; a bool, array or object fails string only.
func (e *fieldErrors) requiredString(in map[string]any, field string, limit int) string {
	text, kind := classify(in[field])
	switch kind {
	case valueEmpty:
		e.add(field, "required", "The "+field+" field is required.")
		return ""
	case valueOther:
		e.add(field, "string", "The "+field+" must be a string.")
		return ""
	case valueNumber:
		e.add(field, "string", "The "+field+" must be a string.")
	}
	if limit > 0 && utf8.RuneCountInString(text) > limit {
		e.add(field, "max", fmt.Sprintf("The %s may not be greater than %d characters.", field, limit))
	}
	return text
}

// createHost is HostCreationService: validate, insert, attach the nodes, connect with the
// credentials, and roll everything back when the connection fails (generic 500). p.mu is held.
func (p *Panel) createHost(w http.ResponseWriter, r *http.Request, key *keyRec, in map[string]any) *panelError {
	v, errs := p.validateHost(in)
	if len(errs) > 0 {
		return errs.failed()
	}
	// The insert of a rolled-back transaction still uses up its auto-increment id.
	id := p.nextHostID
	p.nextHostID++
	if p.checkLogin(r.Context(), HostLogin{Host: v.host, Port: v.port, Username: v.username, Password: v.password}) != nil {
		return errConnect()
	}
	h := p.addHost(DatabaseHost{ID: id, Name: v.name, Host: v.host, Port: v.port, Username: v.username,
		Password: v.password, NodeIDs: v.nodes})
	out := p.hostItemWith(h, in, key)
	out.Meta = &resourceMeta{Resource: baseURL(r) + "/api/application/database-hosts/" + strconv.Itoa(h.id)}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// updateHost is HostUpdateService: validate (name, host, port and username are required
// again), keep the old password when none is sent, ignore node_ids (not fillable), connect
// with the result and keep the old values when that fails (generic 500). Its databases report
// the new address. p.mu is held.
func (p *Panel) updateHost(w http.ResponseWriter, r *http.Request, key *keyRec, h *hostRec, in map[string]any) *panelError {
	v, errs := p.validateHost(in)
	if len(errs) > 0 {
		return errs.failed()
	}
	if v.password == "" {
		v.password = h.password
	}
	if p.checkLogin(r.Context(), HostLogin{Host: v.host, Port: v.port, Username: v.username, Password: v.password}) != nil {
		return errConnect()
	}
	// Eloquent touches updated_at only when something changed.
	if v.name != h.name || v.host != h.host || v.port != h.port || v.username != h.username || v.password != h.password {
		h.updated = p.opts.Now()
	}
	h.name, h.host, h.port, h.username, h.password = v.name, v.host, v.port, v.username, v.password
	for _, d := range p.dbs {
		if d.hostID == h.id {
			d.host, d.port = h.host, h.port
		}
	}
	writeJSON(w, http.StatusOK, p.hostItemWith(h, in, key))
	return nil
}
