package panel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Server lists: the servers a key reaches, for the servers data sources. The client API lists
// the servers of the key's user (GET /api/client); the application API every server (GET
// /api/application/servers). Both filter partially and without regard to case (LIKE %v%),
// so every exact lookup filters on the panel to keep the answer small, then compares exactly
// what comes back. Pages are followed by building each page's URL: the application API's
// links.next keeps only ?page and drops the filters and per_page (recorded exchange 082).

// Scopes of a client key's server list: the panel's ?type.
const (
	ScopeAccessible = "accessible" // owned or a subuser's: the default
	ScopeOwner      = "owner"
	ScopeAdminAll   = "admin-all" // a root admin: every server
)

// ServerQuery says which servers ListServers returns.
type ServerQuery struct {
	// NameContains keeps the servers whose name contains it, in any case (the panel's filter).
	NameContains string
	// Name keeps the servers named exactly this (names are not unique on the panel).
	Name string
	// ExternalID keeps the server whose external id is exactly this.
	ExternalID string
	// Identifier keeps the server with this 8-character identifier or UUID, in any case.
	Identifier string
	// Scope is a client key's ?type; "" is ScopeAccessible. An application key lists every
	// server and takes none.
	Scope string
}

// ServerInfo is a server as the lists show it.
type ServerInfo struct {
	Server
	Description string
	// Node is the node's name on the client API, its id on the application API.
	Node string
	// ExternalID is the server's external id; the client API never shows it
	// (ExternalIDKnown false), the application API does ("" for none).
	ExternalID      string
	ExternalIDKnown bool
}

// ServerList is ListServers' answer.
type ServerList struct {
	Servers []ServerInfo
	// Unsure are servers that a client key's list returned for ServerQuery.ExternalID but that
	// the client API cannot confirm: it never shows external ids, and its filter[*] also
	// matches these servers' names or UUIDs. Servers holds only the ones it confirms.
	Unsure []ServerInfo
	// NotAdmin says that the list is empty because the scope asked for every server and the
	// key's user is not a root admin: the panel answers such a list with nothing, not an error.
	NotAdmin bool
	// Requests is how many list pages were read.
	Requests int
}

// serverPage is how many servers a list asks for at a time: the client API's cap.
const serverPage = 100

// maxServerPages bounds the pages one list follows (100,000 servers), against a panel whose
// pagination never ends; past it the list is an error, never a silent cut.
var maxServerPages = 1000

// clientServerList is GET /api/client's page.
type clientServerList struct {
	Data []struct {
		Attributes clientServerAttributes `json:"attributes"`
	} `json:"data"`
	Meta listPagination `json:"meta"`
}

type listPagination struct {
	Pagination struct {
		CurrentPage int `json:"current_page"`
		TotalPages  int `json:"total_pages"`
	} `json:"pagination"`
}

// ListServers returns the servers the key reaches that q asks for, in the panel's order. The
// servers it returns are kept as server reads (GetServer answers them without a request) when
// the key's permissions on them are known: an application key's, an owner's, and a root
// admin's listing every server; a subuser's are not in a list.
func (cl *Client) ListServers(ctx context.Context, q ServerQuery) (*ServerList, error) {
	if cl.Kind() == ApplicationKey {
		if q.Scope != "" {
			return nil, fmt.Errorf("list servers: an application key lists every server, and takes no scope")
		}
		return cl.listAppServers(ctx, q)
	}
	return cl.listClientServers(ctx, q)
}

func (cl *Client) listClientServers(ctx context.Context, q ServerQuery) (*ServerList, error) {
	query := serverFilters(q)
	switch q.Scope {
	case "", ScopeAccessible:
	case ScopeOwner, ScopeAdminAll:
		query.Set("type", q.Scope)
	default:
		return nil, fmt.Errorf("list servers: unknown scope %q", q.Scope)
	}
	if q.ExternalID != "" {
		// filter[external_id] is partial; filter[*] matches an exact external id, or a name
		// containing the value, or a UUID starting with it. Both must hold.
		query.Set("filter[*]", q.ExternalID)
	}
	out := &ServerList{}
	pages, err := cl.eachServerPage(ctx, clientAPI, "list servers", "", query, func(raw json.RawMessage) (listPagination, int, error) {
		var list clientServerList
		if err := json.Unmarshal(raw, &list); err != nil {
			return listPagination{}, 0, err
		}
		for i := range list.Data {
			a := &list.Data[i].Attributes
			var perms []string
			if a.ServerOwner || q.Scope == ScopeAdminAll {
				// The owner and a root admin hold every permission ("*"); a subuser's are
				// not in the list.
				perms = []string{"*"}
			}
			s := ServerInfo{Server: *a.server(perms), Description: a.Description, Node: a.Node}
			if !nameMatches(q, &s.Server) {
				continue
			}
			if q.ExternalID != "" && filterStarMatches(&s.Server, q.ExternalID) {
				out.Unsure = append(out.Unsure, s)
				continue
			}
			out.Servers = append(out.Servers, s)
		}
		return list.Meta, len(list.Data), nil
	})
	out.Requests += pages
	if err != nil {
		return nil, err
	}
	if len(out.Servers)+len(out.Unsure) == 0 && q.Scope == ScopeAdminAll {
		admin, err := cl.rootAdmin(ctx)
		if err != nil {
			return nil, err
		}
		out.NotAdmin = !admin
	}
	cl.keepListed(out.Servers)
	return out, nil
}

// serverFilters are the narrowest filters both APIs' server lists take for q, all partial:
// the name (exact or a part of it), the external id, the UUID (an identifier is its start).
func serverFilters(q ServerQuery) url.Values {
	query := url.Values{"per_page": {strconv.Itoa(serverPage)}}
	switch {
	case q.Name != "":
		query.Set("filter[name]", q.Name)
	case q.NameContains != "":
		query.Set("filter[name]", q.NameContains)
	}
	if q.ExternalID != "" {
		query.Set("filter[external_id]", q.ExternalID)
	}
	if q.Identifier != "" {
		query.Set("filter[uuid]", strings.ToLower(q.Identifier))
	}
	return query
}

// filterStarMatches reports whether filter[*]=v matches s other than by its external id: by
// its UUID (exactly or as a prefix), its identifier, or a name containing v. Such a server
// came back whether or not its external id is v.
func filterStarMatches(s *Server, v string) bool {
	lv := strings.ToLower(v)
	return strings.HasPrefix(strings.ToLower(s.UUID), lv) || strings.EqualFold(s.Identifier, v) ||
		strings.Contains(strings.ToLower(s.Name), lv)
}

// nameMatches applies the query's name and identifier conditions exactly, after the panel's
// partial filters.
func nameMatches(q ServerQuery, s *Server) bool {
	if q.Name != "" && s.Name != q.Name {
		return false
	}
	if q.Identifier != "" && !strings.EqualFold(q.Identifier, s.Identifier) && !strings.EqualFold(q.Identifier, s.UUID) {
		return false
	}
	return q.NameContains == "" || strings.Contains(strings.ToLower(s.Name), strings.ToLower(q.NameContains))
}

// rootAdmin reads whether the key's user is a root admin (GET /api/client/account).
func (cl *Client) rootAdmin(ctx context.Context) (bool, error) {
	var account struct {
		Attributes struct {
			Admin bool `json:"admin"`
		} `json:"attributes"`
	}
	if _, err := cl.do(ctx, call{op: "read the key's account", method: http.MethodGet, path: "/account"}, &account); err != nil {
		return false, err
	}
	return account.Attributes.Admin, nil
}

// appServerPage is the application API's server page.
type appServerPage struct {
	Data []struct {
		Attributes struct {
			appServerAttributes
			ExternalID  *string `json:"external_id"`
			Description string  `json:"description"`
			Node        int     `json:"node"`
		} `json:"attributes"`
	} `json:"data"`
	Meta listPagination `json:"meta"`
}

func (cl *Client) listAppServers(ctx context.Context, q ServerQuery) (*ServerList, error) {
	query := serverFilters(q)
	out := &ServerList{}
	pages, err := cl.eachServerPage(ctx, applicationAPI, "list servers", "/servers", query, func(raw json.RawMessage) (listPagination, int, error) {
		var list appServerPage
		if err := json.Unmarshal(raw, &list); err != nil {
			return listPagination{}, 0, err
		}
		for i := range list.Data {
			a := &list.Data[i].Attributes
			cl.learnShape(ctx, &a.appServerAttributes)
			s := ServerInfo{Server: *a.toServer(), Description: a.Description, Node: strconv.Itoa(a.Node), ExternalIDKnown: true}
			if a.ExternalID != nil {
				s.ExternalID = *a.ExternalID
			}
			if !nameMatches(q, &s.Server) || q.ExternalID != "" && s.ExternalID != q.ExternalID {
				continue
			}
			out.Servers = append(out.Servers, s)
		}
		return list.Meta, len(list.Data), nil
	})
	out.Requests += pages
	if err != nil {
		return nil, err
	}
	cl.keepListed(out.Servers)
	return out, nil
}

// eachServerPage reads the server list of an API page by page, building each page's URL from
// query (never from links.next, which the application API strips of every filter), and hands
// each page's body to read, which returns the page's pagination and how many servers it held.
// It stops after the last page, and refuses a list longer than maxServerPages.
func (cl *Client) eachServerPage(ctx context.Context, a api, op, path string, query url.Values,
	read func(json.RawMessage) (listPagination, int, error)) (pages int, err error) {
	for page := 1; ; page++ {
		if page > maxServerPages {
			return pages, fmt.Errorf("%s: the panel has more than %d pages of servers; give name or "+
				"external_id to narrow the list", op, maxServerPages)
		}
		query.Set("page", strconv.Itoa(page))
		var raw json.RawMessage
		if _, err := cl.do(ctx, call{op: op, api: a, method: http.MethodGet, path: path, query: query}, &raw); err != nil {
			return pages, err
		}
		pages++
		meta, n, err := read(raw)
		if errors.Is(err, errLastPage) {
			return pages, nil
		}
		if err != nil {
			return pages, fmt.Errorf("%s: %w", op, err)
		}
		if p := meta.Pagination; n == 0 || p.CurrentPage >= p.TotalPages {
			return pages, nil
		}
	}
}

// errLastPage, returned by eachServerPage's read, makes the page it read the last one.
var errLastPage = errors.New("no more pages wanted")

// keepListed keeps the listed servers whose permissions are known as server reads.
func (cl *Client) keepListed(servers []ServerInfo) {
	if cl.record.off {
		return
	}
	for i := range servers {
		if s := &servers[i].Server; s.Permissions != nil {
			cl.record.keepServer(s.Identifier, s.clone())
		}
	}
}
