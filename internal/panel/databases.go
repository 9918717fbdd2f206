package panel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// PasswordState says what an answer told about a database's password.
type PasswordState int

const (
	// PasswordNotRequested means the answer had no password relationship (a list without
	// include=password).
	PasswordNotRequested PasswordState = iota
	// PasswordHidden means the password was asked for, but the key lacks the view-password
	// permission, so the panel sent a null_resource.
	PasswordHidden
	// PasswordIncluded means Password holds the database user's password.
	PasswordIncluded
)

// Database is one server database as the client API shows it.
type Database struct {
	// ID is opaque: a hashid string on Pterodactyl, an integer rendered in decimal on Pelican.
	ID string
	// Name is the stored name, with the panel's s{N}_ prefix.
	Name     string
	Username string
	// Remote is the host pattern the user may connect from (connections_from).
	Remote string
	Host   string
	Port   int
	// MaxConnections is 0 when the panel sets no limit (it sends null right after a create).
	MaxConnections int
	Password       string
	PasswordState  PasswordState
}

// opaqueID accepts a JSON string or number and keeps its text.
type opaqueID string

func (id *opaqueID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = opaqueID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("database id is neither a string nor a number: %w", err)
	}
	*id = opaqueID(n.String())
	return nil
}

type databaseAttributes struct {
	ID   opaqueID `json:"id"`
	Host struct {
		Address string `json:"address"`
		Port    int    `json:"port"`
	} `json:"host"`
	Name            string `json:"name"`
	Username        string `json:"username"`
	ConnectionsFrom string `json:"connections_from"`
	MaxConnections  *int   `json:"max_connections"`
	Relationships   *struct {
		Password *struct {
			Object     string `json:"object"`
			Attributes *struct {
				Password string `json:"password"`
			} `json:"attributes"`
		} `json:"password"`
	} `json:"relationships"`
}

type databaseItem struct {
	Attributes databaseAttributes `json:"attributes"`
}

type databaseList struct {
	Object string         `json:"object"`
	Data   []databaseItem `json:"data"`
}

func (a *databaseAttributes) toDatabase() Database {
	db := Database{
		ID:       string(a.ID),
		Name:     a.Name,
		Username: a.Username,
		Remote:   a.ConnectionsFrom,
		Host:     a.Host.Address,
		Port:     a.Host.Port,
	}
	if a.MaxConnections != nil {
		db.MaxConnections = *a.MaxConnections
	}
	if a.Relationships != nil && a.Relationships.Password != nil {
		pw := a.Relationships.Password
		if pw.Attributes != nil && pw.Object != "null_resource" {
			db.Password = pw.Attributes.Password
			db.PasswordState = PasswordIncluded
		} else {
			db.PasswordState = PasswordHidden
		}
	}
	return db
}

func databasesPath(server string) string {
	return "/servers/" + url.PathEscape(server) + "/databases"
}

// ListDatabases returns every database of a server in the panel's order. With
// includePasswords, each carries its password, or PasswordHidden when the key may not see
// passwords. The list is the only way to read a database: the panel has no single GET.
func (cl *Client) ListDatabases(ctx context.Context, server string, includePasswords bool) ([]Database, error) {
	c := call{op: "list databases of server " + server, method: http.MethodGet, path: databasesPath(server)}
	if includePasswords {
		c.query = url.Values{"include": {"password"}}
	}
	var list databaseList
	if _, err := cl.do(ctx, c, &list); err != nil {
		return nil, err
	}
	out := make([]Database, 0, len(list.Data))
	for i := range list.Data {
		out = append(out, list.Data[i].Attributes.toDatabase())
	}
	return out, nil
}

// CreateDatabaseInput is what a create sends. The panel chooses the host, the user name and
// the password.
type CreateDatabaseInput struct {
	// Name without the s{N}_ prefix; the panel adds it and may truncate (PrefixedName).
	Name string `json:"database"`
	// Remote is the host pattern the user may connect from, "%" for anywhere.
	Remote string `json:"remote"`
}

// CreateDatabase creates a database. When an earlier attempt may have been applied without
// its answer arriving (a dropped connection, a gateway error) and the retry is refused
// because the name is taken, the database that attempt made is found and returned, so a
// retried create never leaves a duplicate or an orphan.
func (cl *Client) CreateDatabase(ctx context.Context, server string, in CreateDatabaseInput) (*Database, error) {
	var item databaseItem
	res, err := cl.do(ctx, call{
		op:     fmt.Sprintf("create database %q on server %s", in.Name, server),
		method: http.MethodPost,
		path:   databasesPath(server),
		body:   in,
	}, &item)
	if err == nil {
		db := item.Attributes.toDatabase()
		return &db, nil
	}
	if !res.ambiguous || !IsNameTaken(err) {
		return nil, err
	}
	db, findErr := cl.findCreated(ctx, server, in)
	if findErr != nil {
		return nil, errors.Join(err, fmt.Errorf("looking for the database an earlier attempt created: %w", findErr))
	}
	if db == nil {
		return nil, err
	}
	cl.log.Warn(ctx, "an earlier create attempt was applied without its answer arriving; using the database it made",
		map[string]any{"server": server, "database_id": db.ID})
	return db, nil
}

// findCreated looks up the database a lost create attempt made: the stored name for in.Name
// on this server with the same remote. Nil when there is none.
func (cl *Client) findCreated(ctx context.Context, server string, in CreateDatabaseInput) (*Database, error) {
	srv, err := cl.GetServer(ctx, server)
	if err != nil {
		return nil, err
	}
	want := PrefixedName(srv.InternalID, in.Name)
	dbs, err := cl.ListDatabases(ctx, server, true)
	if err != nil {
		return nil, err
	}
	for i := range dbs {
		if dbs[i].Name == want && dbs[i].Remote == in.Remote {
			return &dbs[i], nil
		}
	}
	return nil, nil
}

// RotateDatabasePassword sets a new random password for the database's user and returns the
// database with it (when the key may view passwords).
func (cl *Client) RotateDatabasePassword(ctx context.Context, server, id string) (*Database, error) {
	var item databaseItem
	_, err := cl.do(ctx, call{
		op:     fmt.Sprintf("rotate the password of database %s on server %s", id, server),
		method: http.MethodPost,
		path:   databasesPath(server) + "/" + url.PathEscape(id) + "/rotate-password",
	}, &item)
	if err != nil {
		return nil, err
	}
	db := item.Attributes.toDatabase()
	return &db, nil
}

// DeleteDatabase drops the database and its user. A database that is already gone is not an
// error, so a delete whose answer was lost can be retried safely.
func (cl *Client) DeleteDatabase(ctx context.Context, server, id string) error {
	_, err := cl.do(ctx, call{
		op:     fmt.Sprintf("delete database %s on server %s", id, server),
		method: http.MethodDelete,
		path:   databasesPath(server) + "/" + url.PathEscape(id),
	}, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}
