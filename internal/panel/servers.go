package panel

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

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

type serverEnvelope struct {
	Attributes struct {
		Identifier    string `json:"identifier"`
		UUID          string `json:"uuid"`
		InternalID    int    `json:"internal_id"`
		Name          string `json:"name"`
		Status        string `json:"status"`
		IsSuspended   bool   `json:"is_suspended"`
		IsInstalling  bool   `json:"is_installing"`
		IsTransfering bool   `json:"is_transferring"`
		IsMaintenance bool   `json:"is_node_under_maintenance"`
		FeatureLimits struct {
			Databases *int `json:"databases"`
		} `json:"feature_limits"`
	} `json:"attributes"`
	Meta struct {
		UserPermissions []string `json:"user_permissions"`
	} `json:"meta"`
}

// fetchServer reads one server from the panel, through the API of the key's kind
// (GetServer keeps the answer).
func (cl *Client) fetchServer(ctx context.Context, server string) (*Server, error) {
	if cl.Kind() == ApplicationKey {
		return cl.fetchAppServer(ctx, server)
	}
	var env serverEnvelope
	_, err := cl.do(ctx, call{
		op:     "read server " + server,
		method: http.MethodGet,
		path:   "/servers/" + url.PathEscape(strings.ToLower(server)),
	}, &env)
	if err != nil {
		return nil, err
	}
	a := env.Attributes
	return &Server{
		Identifier:           a.Identifier,
		UUID:                 a.UUID,
		InternalID:           a.InternalID,
		Name:                 a.Name,
		DatabaseLimit:        a.FeatureLimits.Databases,
		Status:               a.Status,
		Suspended:            a.IsSuspended,
		Installing:           a.IsInstalling,
		Transferring:         a.IsTransfering,
		NodeUnderMaintenance: a.IsMaintenance,
		Permissions:          env.Meta.UserPermissions,
	}, nil
}
