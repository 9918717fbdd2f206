package paneltest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
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
	// GET /servers/external/{external_id}; empty is null.
	ExternalID string
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
	for _, s := range p.servers {
		if s.Identifier == id || s.UUID == id {
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
	ServerOwner            bool          `json:"server_owner"`
	Identifier             string        `json:"identifier"`
	InternalID             int           `json:"internal_id"`
	UUID                   string        `json:"uuid"`
	Name                   string        `json:"name"`
	Node                   string        `json:"node"`
	IsNodeUnderMaintenance bool          `json:"is_node_under_maintenance"`
	Description            string        `json:"description"`
	FeatureLimits          featureLimits `json:"feature_limits"`
	Status                 *string       `json:"status"`
	IsSuspended            bool          `json:"is_suspended"`
	IsInstalling           bool          `json:"is_installing"`
	IsTransferring         bool          `json:"is_transferring"`
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

func serverItem(s *Server, owner bool) serverObject {
	return serverObject{Object: "server", Attributes: serverAttributes{
		ServerOwner:            owner,
		Identifier:             s.Identifier,
		InternalID:             s.InternalID,
		UUID:                   s.UUID,
		Name:                   s.Name,
		Node:                   fmt.Sprintf("Node %d", s.Node),
		IsNodeUnderMaintenance: s.State.NodeMaintenance,
		FeatureLimits:          featureLimits{Databases: copyLimit(s.DatabaseLimit)},
		Status:                 serverStatus(s.State),
		IsSuspended:            s.State.Suspended,
		IsInstalling:           s.State.Installing || s.State.InstallFailed,
		IsTransferring:         s.State.Transferring,
	}}
}

// writeServer answers GET /api/client/servers/{server}; it works in every server state.
func (p *Panel) writeServer(w http.ResponseWriter, s *Server, k *keyRec, perms []string) {
	owner := k.owns(s)
	obj := serverItem(s, owner)
	up := slices.Clone(perms)
	if slices.Contains(perms, "*") {
		up = []string{"*"}
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

// writeServerList answers GET /api/client with every server the key can see, on one page.
func (p *Panel) writeServerList(w http.ResponseWriter, k *keyRec) {
	out := serverList{Object: "list", Data: []serverObject{}}
	for _, s := range p.servers {
		if _, ok := k.access(s); ok {
			out.Data = append(out.Data, serverItem(s, k.owns(s)))
		}
	}
	n := len(out.Data)
	out.Meta.Pagination = pagination{Total: n, Count: n, PerPage: 50, CurrentPage: 1, TotalPages: 1}
	writeJSON(w, http.StatusOK, out)
}
