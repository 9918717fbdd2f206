package paneltest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Server is a game server on the fake panel.
type Server struct {
	// Identifier is the short id (uuidShort): 8 lowercase hex chars. When empty it is the
	// UUID's first 8 chars, or generated.
	Identifier string
	// UUID is a UUIDv4 whose first 8 chars equal Identifier; generated when empty.
	UUID string
	// InternalID is the numeric servers.id (the N in s{N}_); assigned sequentially from 1
	// when 0.
	InternalID int
	// Name is the display name; "Server {InternalID}" when empty.
	Name string
	// ExternalID is the external_id an admin may give a server, for the application API's
	// GET /servers/external/{external_id}; empty is null. The client API never shows it, but
	// its filters match it.
	ExternalID string
	// Description is the server's description; empty by default.
	Description string
	// Node is the id of the node the server lives on; 0 means 1. See Options.Nodes.
	Node int
	// DatabaseLimit is feature_limits.databases: nil = unlimited; 0 = no databases allowed.
	DatabaseLimit *int
	// State is the server's condition; the zero value is installed and running normally.
	State ServerState
}

// ServerState lists the conditions that make the database routes answer 409. When several
// are set, the panel reports the first of: Suspended, NodeMaintenance, Installing or
// InstallFailed, RestoringBackup, Transferring.
type ServerState struct {
	Suspended       bool
	Installing      bool
	InstallFailed   bool
	RestoringBackup bool
	Transferring    bool
	NodeMaintenance bool
}

// Limit returns a pointer to n, for Server.DatabaseLimit and SetDatabaseLimit.
func Limit(n int) *int { return &n }

var shortIDPattern = regexp.MustCompile(`^[0-9a-f]{8}$`)

// AddServer registers a server and returns it with the generated fields filled in.
// It panics if the identifier, UUID, internal id or external id is already taken, or the
// node does not exist.
func (p *Panel) AddServer(s Server) Server {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.InternalID == 0 {
		s.InternalID = p.nextServerID
	}
	if s.Identifier == "" && len(s.UUID) >= 8 {
		s.Identifier = s.UUID[:8]
	}
	for s.Identifier == "" {
		if id := randomHex(8); p.findServer(id) == nil {
			s.Identifier = id
		}
	}
	if s.UUID == "" {
		s.UUID = newUUID(s.Identifier)
	}
	if s.Name == "" {
		s.Name = fmt.Sprintf("Server %d", s.InternalID)
	}
	if s.Node == 0 {
		s.Node = 1
	}
	if s.Node < 0 || s.Node > p.opts.Nodes {
		panic(fmt.Sprintf("paneltest: server %q on node %d, but the panel has nodes 1 to %d", s.Identifier, s.Node, p.opts.Nodes))
	}
	for _, o := range p.servers {
		if o.InternalID == s.InternalID || o.Identifier == s.Identifier || o.UUID == s.UUID ||
			o.Identifier == s.UUID || o.UUID == s.Identifier || s.ExternalID != "" && o.ExternalID == s.ExternalID {
			panic(fmt.Sprintf("paneltest: server %q/%q/%d collides with %q", s.Identifier, s.UUID, s.InternalID, o.Identifier))
		}
	}
	s.DatabaseLimit = copyLimit(s.DatabaseLimit)
	p.servers = append(p.servers, &s)
	p.nextServerID = max(p.nextServerID, s.InternalID+1)
	return cloneServer(&s)
}

// Server returns the server with the given identifier or UUID.
func (p *Panel) Server(server string) (Server, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.findServer(server); s != nil {
		return cloneServer(s), true
	}
	return Server{}, false
}

// SetDatabaseLimit changes feature_limits.databases of a server (identifier or UUID).
// It panics if the server is unknown.
func (p *Panel) SetDatabaseLimit(server string, limit *int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mustServer(server).DatabaseLimit = copyLimit(limit)
}

// SetServerState changes the condition of a server (identifier or UUID).
// It panics if the server is unknown.
func (p *Panel) SetServerState(server string, st ServerState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mustServer(server).State = st
}

// findServer resolves {server} by short identifier or full UUID, which both flavors accept.
// p.mu is held.
func (p *Panel) findServer(id string) *Server {
	// The panel looks an 8-character value up as the identifier and anything else as the
	// UUID, in a column whose collation ignores case (exchange 008).
	for _, s := range p.servers {
		if strings.EqualFold(s.Identifier, id) || strings.EqualFold(s.UUID, id) {
			return s
		}
	}
	return nil
}

// mustServer is findServer for test-side calls, where an unknown server is a bug in the test.
func (p *Panel) mustServer(id string) *Server {
	s := p.findServer(id)
	if s == nil {
		panic(fmt.Sprintf("paneltest: unknown server %q", id))
	}
	return s
}

func copyLimit(l *int) *int {
	if l == nil {
		return nil
	}
	return Limit(*l)
}

func cloneServer(s *Server) Server {
	c := *s
	c.DatabaseLimit = copyLimit(s.DatabaseLimit)
	return c
}

// newUUID makes a random UUIDv4, starting with prefix when it is a valid short identifier
// so that identifier and UUID agree as they do on a real panel.
func newUUID(prefix string) string {
	b := []byte(randomHex(32))
	b[12] = '4'
	b[16] = "89ab"[int(b[16])%4]
	u := fmt.Sprintf("%s-%s-%s-%s-%s", b[0:8], b[8:12], b[12:16], b[16:20], b[20:32])
	if shortIDPattern.MatchString(prefix) {
		u = prefix + u[8:]
	}
	return u
}

// stateConflict implements Server::validateCurrentState, in the panel's order.
func stateConflict(st ServerState) *panelError {
	var detail string
	switch {
	case st.Suspended:
		detail = msgSuspended
	case st.NodeMaintenance:
		detail = msgNodeMaintenance
	case st.Installing || st.InstallFailed:
		detail = msgNotInstalled
	case st.RestoringBackup:
		detail = msgRestoring
	case st.Transferring:
		detail = msgTransferring
	default:
		return nil
	}
	return &panelError{status: http.StatusConflict, items: []errorItem{item("ServerStateConflictException", http.StatusConflict, detail)}}
}

// serverStatus is the client transformer's status column.
func serverStatus(st ServerState) *string {
	var s string
	switch {
	case st.Suspended:
		s = "suspended"
	case st.Installing:
		s = "installing"
	case st.InstallFailed:
		s = "install_failed"
	case st.RestoringBackup:
		s = "restoring_backup"
	default:
		return nil
	}
	return &s
}

type featureLimits struct {
	Databases   *int `json:"databases"`
	Allocations int  `json:"allocations"`
	Backups     int  `json:"backups"`
}

type serverAttributes struct {
	ServerOwner            bool                `json:"server_owner"`
	Identifier             string              `json:"identifier"`
	InternalID             int                 `json:"internal_id"`
	UUID                   string              `json:"uuid"`
	Name                   string              `json:"name"`
	Node                   string              `json:"node"`
	IsNodeUnderMaintenance bool                `json:"is_node_under_maintenance"`
	SFTPDetails            sftpDetails         `json:"sftp_details"`
	Description            string              `json:"description"`
	Limits                 appServerLimits     `json:"limits"`
	Invocation             string              `json:"invocation"`
	DockerImage            string              `json:"docker_image"`
	EggFeatures            []string            `json:"egg_features"`
	FeatureLimits          featureLimits       `json:"feature_limits"`
	Status                 *string             `json:"status"`
	IsSuspended            bool                `json:"is_suspended"`
	IsInstalling           bool                `json:"is_installing"`
	IsTransferring         bool                `json:"is_transferring"`
	Relationships          serverRelationships `json:"relationships"`
}

type sftpDetails struct {
	IP    string  `json:"ip"`
	Alias *string `json:"alias,omitempty"` // Pelican only (always sent there, maybe null)
	Port  int     `json:"port"`
}

// serverRelationships are the client ServerTransformer's default includes.
type serverRelationships struct {
	Allocations fractalList `json:"allocations"`
	Variables   fractalList `json:"variables"`
}

type serverObject struct {
	Object     string           `json:"object"`
	Attributes serverAttributes `json:"attributes"`
	Meta       *serverMeta      `json:"meta,omitempty"`
}

type serverMeta struct {
	IsServerOwner   bool     `json:"is_server_owner"`
	UserPermissions []string `json:"user_permissions"`
}

// serverItem renders a server for the client API. What the fake does not model (resources,
// egg, allocation, SFTP) has fixed plausible values, as the application API's item does.
func (p *Panel) serverItem(s *Server, owner bool) serverObject {
	sftp := sftpDetails{IP: "127.0.0.1", Port: 2022}
	limits := appServerLimits{Memory: 1024, Disk: 10240, IO: 500, CPU: 100, OOMDisabled: true}
	if p.opts.Flavor == Pelican {
		sftp.Alias = new(string)
		limits.OOMKiller = new(bool)
	}
	allocation := fractalItem{Object: "allocation", Attributes: map[string]any{
		"id": s.InternalID, "ip": "127.0.0.1", "ip_alias": nil, "port": 25564 + s.InternalID, "notes": nil, "is_default": true}}
	return serverObject{Object: "server", Attributes: serverAttributes{
		ServerOwner:            owner,
		Identifier:             s.Identifier,
		InternalID:             s.InternalID,
		UUID:                   s.UUID,
		Name:                   s.Name,
		Node:                   fmt.Sprintf("Node %d", s.Node),
		IsNodeUnderMaintenance: s.State.NodeMaintenance,
		Description:            s.Description,
		SFTPDetails:            sftp,
		Limits:                 limits,
		Invocation:             "java -Xms128M -jar server.jar",
		DockerImage:            p.serverImage(),
		EggFeatures:            []string{"eula", "java_version", "pid_limit"},
		Relationships: serverRelationships{
			Allocations: fractalList{Object: "list", Data: []fractalItem{allocation}},
			Variables:   fractalList{Object: "list", Data: []fractalItem{}},
		},
		FeatureLimits:  featureLimits{Databases: copyLimit(s.DatabaseLimit), Allocations: 1},
		Status:         serverStatus(s.State),
		IsSuspended:    s.State.Suspended,
		IsInstalling:   s.State.Installing || s.State.InstallFailed,
		IsTransferring: s.State.Transferring,
	}}
}

// writeServer answers GET /api/client/servers/{server}; it works in every server state.
func (p *Panel) writeServer(w http.ResponseWriter, s *Server, k *keyRec, perms []string) {
	owner := k.owns(s)
	obj := p.serverItem(s, owner)
	up := slices.Clone(perms)
	if slices.Contains(perms, "*") {
		up = []string{"*"}
	}
	if k.rootAdmin { // GetUserPermissionsService: an admin also sees the admin websocket events
		up = []string{"*", "admin.websocket.errors", "admin.websocket.install", "admin.websocket.transfer"}
	}
	if up == nil {
		up = []string{}
	}
	obj.Meta = &serverMeta{IsServerOwner: owner, UserPermissions: up}
	writeJSON(w, http.StatusOK, obj)
}

type serverList struct {
	Object string         `json:"object"`
	Data   []serverObject `json:"data"`
	Meta   struct {
		Pagination pagination `json:"pagination"`
	} `json:"meta"`
}

type pagination struct {
	Total       int             `json:"total"`
	Count       int             `json:"count"`
	PerPage     int             `json:"per_page"`
	CurrentPage int             `json:"current_page"`
	TotalPages  int             `json:"total_pages"`
	Links       paginationLinks `json:"links"`
}

// paginationLinks are Fractal's links to the neighbouring pages: {} on a single page.
type paginationLinks struct {
	Previous string `json:"previous,omitempty"`
	Next     string `json:"next,omitempty"`
}

// writeServerList answers GET /api/client (ClientController::index): by ?type, the servers
// the key's user owns or is a subuser of (the default, even for a root admin), owns ("owner"),
// does not reach that way ("admin") or every server ("admin-all"); the admin types give a
// user who is not a root admin an empty list, not an error (exchange 005). Pages of 50 by
// default, per_page at most 100 (exchange 138), links that keep the query.
func (p *Panel) writeServerList(w http.ResponseWriter, r *http.Request, k *keyRec) *panelError {
	filters, e := queryFilters(r, "uuid", "name", "description", "external_id", "*")
	if e != nil {
		return e
	}
	multi := strings.TrimSpace(r.URL.Query().Get("filter[*]"))
	delete(filters, "*")
	var found []*Server
	for _, s := range p.servers {
		fields := map[string]string{"uuid": s.UUID, "name": s.Name, "description": s.Description}
		if s.ExternalID != "" {
			fields["external_id"] = s.ExternalID
		}
		if !filtersMatch(filters, fields) || multi != "" && !multiFieldMatch(s, multi) {
			continue
		}
		_, member := k.servers[s.Identifier]
		if _, ok := k.servers[s.UUID]; ok {
			member = true
		}
		var in bool
		switch r.URL.Query().Get("type") {
		case "admin":
			in = k.rootAdmin && !member
		case "admin-all":
			in = k.rootAdmin
		case "owner":
			in = k.owns(s)
		default:
			in = member
		}
		if in {
			found = append(found, s)
		}
	}
	from, to, meta := paginatePages(r, len(found), 50, 100, true)
	out := serverList{Object: "list", Data: []serverObject{}}
	for _, s := range found[from:to] {
		out.Data = append(out.Data, p.serverItem(s, k.owns(s)))
	}
	out.Meta.Pagination = meta.Pagination
	writeJSON(w, http.StatusOK, out)
	return nil
}

// multiFieldMatch is the client API's filter[*] (MultiFieldServerFilter) for a value that is
// not an address: the UUID exactly or as a prefix, the identifier, the external id exactly, or
// a name that contains the value, in any case (the column's collation).
func multiFieldMatch(s *Server, v string) bool {
	lv := strings.ToLower(v)
	return strings.EqualFold(s.UUID, v) || strings.HasPrefix(strings.ToLower(s.UUID), lv) ||
		strings.EqualFold(s.Identifier, v) || s.ExternalID != "" && strings.EqualFold(s.ExternalID, v) ||
		strings.Contains(strings.ToLower(s.Name), lv)
}
