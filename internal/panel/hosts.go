package panel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Database hosts, through Pelican's application API (panel-api.md §12); Pterodactyl has no
// API for them, so every call there is refused before sending (ErrNoHostAPI). The key must
// be an application key or a root admin's client key (IsNotAdmin otherwise).

// DatabaseHost is a MySQL/MariaDB server the panel makes databases on. The panel never shows
// its password, nor its nodes.
type DatabaseHost struct {
	ID       string
	Name     string
	Host     string
	Port     int
	Username string
}

// DatabaseHostInput is what a create or an update sends.
type DatabaseHostInput struct {
	Name     string
	Host     string
	Port     int
	Username string
	// Password is the host user's password. On an update, "" keeps the one the panel has.
	Password string
	// NodeIDs are the nodes whose servers get databases on this host. The panel reads them on
	// create only.
	NodeIDs []int
}

type hostAttributes struct {
	ID            opaqueID `json:"id"`
	Name          string   `json:"name"`
	Host          string   `json:"host"`
	Port          int      `json:"port"`
	Username      string   `json:"username"`
	Relationships *struct {
		Databases *struct {
			Object string            `json:"object"`
			Data   []json.RawMessage `json:"data"` // only counted
		} `json:"databases"`
	} `json:"relationships"`
}

func (a *hostAttributes) toHost() DatabaseHost {
	return DatabaseHost{ID: string(a.ID), Name: a.Name, Host: a.Host, Port: a.Port, Username: a.Username}
}

type hostItem struct {
	Attributes hostAttributes `json:"attributes"`
}

type hostList struct {
	Data []hostItem `json:"data"`
	Meta struct {
		Pagination struct {
			CurrentPage int `json:"current_page"`
			TotalPages  int `json:"total_pages"`
		} `json:"pagination"`
	} `json:"meta"`
}

// hostsPage is how many hosts a list asks for at a time; the panel sends 10 unless asked.
const hostsPage = 100

// maxHostPages bounds the pages one list follows, against a panel whose pagination never ends.
const maxHostPages = 1000

// hostAPI refuses host calls on Pterodactyl before anything is sent.
func (cl *Client) hostAPI(op string) error {
	if cl.Flavor() != Pelican {
		return fmt.Errorf("%s: %w", op, ErrNoHostAPI)
	}
	return nil
}

func hostPath(id string) string { return "/database-hosts/" + url.PathEscape(id) }

// ListDatabaseHosts returns every database host of the panel, following the panel's pages.
func (cl *Client) ListDatabaseHosts(ctx context.Context) ([]DatabaseHost, error) {
	const op = "list database hosts"
	if err := cl.hostAPI(op); err != nil {
		return nil, err
	}
	var hosts []DatabaseHost
	for page := 1; page <= maxHostPages; page++ {
		var list hostList
		if _, err := cl.do(ctx, call{
			op: op, api: applicationAPI, method: http.MethodGet, path: "/database-hosts",
			query: url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(hostsPage)}},
		}, &list); err != nil {
			return nil, err
		}
		for i := range list.Data {
			hosts = append(hosts, list.Data[i].Attributes.toHost())
		}
		if p := list.Meta.Pagination; len(list.Data) == 0 || p.CurrentPage >= p.TotalPages {
			break
		}
	}
	return hosts, nil
}

// GetDatabaseHost reads one database host; a host that does not exist is IsNotFound.
func (cl *Client) GetDatabaseHost(ctx context.Context, id string) (*DatabaseHost, error) {
	op := "read database host " + id
	if err := cl.hostAPI(op); err != nil {
		return nil, err
	}
	var item hostItem
	if _, err := cl.do(ctx, call{op: op, api: applicationAPI, method: http.MethodGet, path: hostPath(id)}, &item); err != nil {
		return nil, err
	}
	h := item.Attributes.toHost()
	return &h, nil
}

// hostBody is a create's or an update's body. An update sends name, host, port and username
// again, which the panel requires; the password only when one is given.
type hostBody struct {
	Name     string `json:"name"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password,omitempty"`
	NodeIDs  []int  `json:"node_ids,omitempty"`
}

// CreateDatabaseHost adds a database host. The panel first logs in to it with the given
// credentials; when it cannot, it answers a generic 500, returned as a *HostConnectionError.
//
// Like a database's, a host's create is never sent again once it may have reached the
// panel: the hosts are listed until a host of that name that was not there before appears,
// which is returned, or until ctx's deadline (*UnconfirmedCreateError). Creates of one name
// run one at a time, so that each knows which hosts were there before it.
func (cl *Client) CreateDatabaseHost(ctx context.Context, in DatabaseHostInput) (*DatabaseHost, error) {
	op := fmt.Sprintf("create database host %q", in.Name)
	if err := cl.hostAPI(op); err != nil {
		return nil, err
	}
	release, err := cl.hostMade.acquire(ctx, in.Name)
	if err != nil {
		return nil, fmt.Errorf("%s: waiting for another create of the name: %w", op, err)
	}
	defer release()
	before, err := cl.ListDatabaseHosts(ctx)
	listed := err == nil
	if err != nil && !IsForbidden(err) {
		return nil, err // a key that may write hosts without reading them creates without the list
	}

	var item hostItem
	res, err := cl.do(ctx, call{
		op: op, api: applicationAPI, method: http.MethodPost, path: "/database-hosts", body: hostBody(in),
		sendOnce: true, secrets: []string{in.Password},
	}, &item)
	if err == nil {
		h := item.Attributes.toHost()
		return &h, nil
	}
	if !res.ambiguous {
		return nil, connectionFailed(op, in, err)
	}
	unconfirmed := &UnconfirmedCreateError{Operation: op, Name: in.Name, Cause: err, Unlisted: !listed}
	if !listed {
		return nil, unconfirmed
	}
	cl.log.Warn(ctx, "the panel did not answer a database host's create; looking for the host it may have made",
		map[string]any{"database_host": in.Name, "error": err.Error()})
	return awaitLost(ctx, cl, unconfirmed, func(lctx context.Context) (*DatabaseHost, error) {
		hosts, err := cl.ListDatabaseHosts(lctx)
		if err != nil {
			return nil, err
		}
		for i, h := range hosts {
			if h.Name == in.Name && !slices.ContainsFunc(before, func(b DatabaseHost) bool { return b.ID == h.ID }) {
				return &hosts[i], nil
			}
		}
		return nil, nil
	})
}

// UpdateDatabaseHost changes a database host. It sends name, host, port and username, and the
// password only when in.Password is set: "" keeps the panel's. in.NodeIDs is not sent, since
// the panel reads node ids on create only. A connection test that fails is a
// *HostConnectionError, as on create.
func (cl *Client) UpdateDatabaseHost(ctx context.Context, id string, in DatabaseHostInput) (*DatabaseHost, error) {
	op := fmt.Sprintf("update database host %s (%q)", id, in.Name)
	if err := cl.hostAPI(op); err != nil {
		return nil, err
	}
	body := hostBody(in)
	body.NodeIDs = nil
	var item hostItem
	if _, err := cl.do(ctx, call{
		op: op, api: applicationAPI, method: http.MethodPatch, path: hostPath(id), body: body,
		secrets: []string{in.Password},
	}, &item); err != nil {
		return nil, connectionFailed(op, in, err)
	}
	h := item.Attributes.toHost()
	return &h, nil
}

// DeleteDatabaseHost removes a database host that no database uses. The panel cannot delete a
// host with databases, and says only "500"; so the host's databases are counted first, and
// any refuse the delete before it is sent (*HostInUseError). A host that is already gone is
// not an error.
func (cl *Client) DeleteDatabaseHost(ctx context.Context, id string) error {
	op := "delete database host " + id
	if err := cl.hostAPI(op); err != nil {
		return err
	}
	var item hostItem
	_, err := cl.do(ctx, call{
		op: op, api: applicationAPI, method: http.MethodGet, path: hostPath(id),
		query: url.Values{"include": {"databases"}},
	}, &item)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	counted := false
	if r := item.Attributes.Relationships; r != nil && r.Databases != nil && r.Databases.Object != "null_resource" {
		counted = true
		if n := len(r.Databases.Data); n > 0 {
			return &HostInUseError{Operation: op, HostID: id, Count: n}
		}
	}
	_, err = cl.do(ctx, call{op: op, api: applicationAPI, method: http.MethodDelete, path: hostPath(id)}, nil)
	switch {
	case IsNotFound(err):
		return nil
	case !counted && panelFailure(err):
		// The key may not read server databases, so they were not counted; a foreign key
		// refusing the delete is the panel's likeliest 500.
		return &HostInUseError{Operation: op, HostID: id, Cause: err}
	}
	return err
}

// panelFailure reports a 500 in the panel's own error envelope: the panel failed and rolled
// back, and says no more (a proxy's 500 has no envelope).
func panelFailure(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusInternalServerError && len(apiErr.Errors) > 0
}

// connectionFailed explains the panel's 500 on a host's create or update: its connection
// test failed.
func connectionFailed(op string, in DatabaseHostInput, err error) error {
	if panelFailure(err) {
		return &HostConnectionError{Operation: op, Host: in.Host, Port: in.Port, Username: in.Username, Err: err}
	}
	return err
}

// HostInUseError refuses to delete a database host that databases still use: the panel
// would refuse too, with a bare 500. Count is how many; it is 0 when the API key may not
// read server databases, and the panel's refusal (Cause) is what said so.
type HostInUseError struct {
	Operation string
	HostID    string
	Count     int
	Cause     error
}

func (e *HostInUseError) Error() string {
	if e.Count == 0 {
		return fmt.Sprintf("%s: the panel refused with a generic error (%s), most likely because databases still use "+
			"the host; the API key may not read server databases, so they could not be counted first. Delete or "+
			"move the host's databases first", e.Operation, panelSaid(e.Cause))
	}
	dbs := "databases use"
	if e.Count == 1 {
		dbs = "database uses"
	}
	return fmt.Sprintf("%s: %d %s it, and the panel cannot delete a host that databases use; nothing was sent. "+
		"Delete or move the host's databases first", e.Operation, e.Count, dbs)
}

func (e *HostInUseError) Unwrap() error { return e.Cause }

// HostConnectionError is the panel's generic 500 on a database host's create or update: the
// panel tries to log in to the host with the given credentials first, and fails with no
// more said when it cannot. Nothing was saved.
type HostConnectionError struct {
	Operation string
	Host      string
	Port      int
	Username  string
	// Err is the panel's answer.
	Err error
}

func (e *HostConnectionError) Error() string {
	return fmt.Sprintf("%s: the panel could not log in to the database host %s:%d as %q with the password given "+
		"(it tests the credentials before saving them, and answers only a generic error when that fails: %s). "+
		"Check the address, port, user name and password, that the user may log in from the panel's address, and "+
		"that the panel can reach the host", e.Operation, e.Host, e.Port, e.Username, panelSaid(e.Err))
}

// panelSaid is what the panel answered, without the operation the error already names.
func panelSaid(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return fmt.Sprintf("HTTP %d, %s", apiErr.StatusCode, apiErr.Detail())
	}
	return fmt.Sprint(err)
}

func (e *HostConnectionError) Unwrap() error { return e.Err }
