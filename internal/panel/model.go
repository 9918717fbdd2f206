package panel

import (
	"slices"
	"strconv"
	"strings"
)

// What the client knows things as: servers and databases, as either API shows them, and the
// lookups every layer above uses. Part of the record layer.

// Server is what the client API, or the application API, tells about a server.
type Server struct {
	Identifier string // the 8-character short identifier
	UUID       string
	InternalID int // the N in the s{N}_ database name prefix
	Name       string
	// DatabaseLimit is feature_limits.databases: nil means unlimited, 0 means none allowed.
	DatabaseLimit *int
	Status        string // "", "installing", "install_failed", "suspended", "restoring_backup"
	Suspended     bool
	Installing    bool
	Transferring  bool
	// NodeUnderMaintenance is reported by Pterodactyl 1.11 and later.
	NodeUnderMaintenance bool
	// Permissions are the API key's permissions on this server; ["*"] for the owner or an admin.
	Permissions []string
}

// Permission names checked by the panel for database routes.
const (
	PermissionRead   = "database.read"
	PermissionCreate = "database.create"
	PermissionUpdate = "database.update"
	PermissionDelete = "database.delete"
	// PermissionViewPassword is Pterodactyl's name; Pelican spells it with a hyphen.
	PermissionViewPassword        = "database.view_password"
	PermissionViewPasswordPelican = "database.view-password"
)

// Can reports whether the key holds perm on this server.
func (s *Server) Can(perm string) bool {
	return slices.Contains(s.Permissions, "*") || slices.Contains(s.Permissions, perm)
}

// CanViewPasswords reports whether the key may see database passwords, under either panel's
// spelling of the permission.
func (s *Server) CanViewPasswords() bool {
	return s.Can(PermissionViewPassword) || s.Can(PermissionViewPasswordPelican)
}

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

// Database is one server database as the client API or the application API shows it.
type Database struct {
	// ID is opaque: through the client API a hashid string on Pterodactyl, an integer
	// rendered in decimal on Pelican; through the application API always the integer.
	ID string
	// Name is the stored name, with the panel's s{N}_ prefix.
	Name     string
	Username string
	// Remote is the host pattern the user may connect from (connections_from).
	Remote string
	// Host and Port are the database host's address. The application API shows them only to
	// a key that may read database hosts; they are empty otherwise.
	Host string
	Port int
	// HostID is the database host's id, which only the application API shows; "" when the
	// database was read through the client API.
	HostID string
	// MaxConnections is 0 when the panel sets no limit (it sends null right after a create).
	MaxConnections int
	Password       string
	PasswordState  PasswordState
}

// FindStoredName returns the database with the stored name (with its s{N}_ prefix), which the
// panel keeps unique per server, or nil.
func FindStoredName(dbs []Database, stored string) *Database {
	if stored == "" {
		return nil
	}
	for i := range dbs {
		if strings.EqualFold(dbs[i].Name, stored) {
			return &dbs[i]
		}
	}
	return nil
}

// FindDatabase returns the database with the given id, or nil.
func FindDatabase(dbs []Database, id string) *Database {
	for i := range dbs {
		if dbs[i].ID == id {
			return &dbs[i]
		}
	}
	return nil
}

// findStored finds the database the panel stores for the requested name. Every database of
// a server shares its s{N}_ prefix, so each one's own prefix says what the name would be
// stored as.
func findStored(dbs []Database, name string) *Database {
	for i := range dbs {
		m := prefixRE.FindStringSubmatch(dbs[i].Name)
		if m == nil {
			continue
		}
		id, err := strconv.Atoi(m[1])
		if err != nil || !strings.EqualFold(dbs[i].Name, PrefixedName(id, name)) {
			continue
		}
		return &dbs[i]
	}
	return nil
}

func withoutPasswords(dbs []Database) []Database {
	out := slices.Clone(dbs)
	for i := range out {
		out[i].Password, out[i].PasswordState = "", PasswordNotRequested
	}
	return out
}
