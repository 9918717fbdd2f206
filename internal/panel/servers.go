package panel

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// clientServerAttributes is a server as the client API shows it, alone or in its list.
type clientServerAttributes struct {
	ServerOwner   bool   `json:"server_owner"`
	Identifier    string `json:"identifier"`
	UUID          string `json:"uuid"`
	InternalID    int    `json:"internal_id"`
	Name          string `json:"name"`
	Node          string `json:"node"`
	Description   string `json:"description"`
	Status        string `json:"status"`
	IsSuspended   bool   `json:"is_suspended"`
	IsInstalling  bool   `json:"is_installing"`
	IsTransfering bool   `json:"is_transferring"`
	IsMaintenance bool   `json:"is_node_under_maintenance"`
	FeatureLimits struct {
		Databases *int `json:"databases"`
	} `json:"feature_limits"`
}

// server is the Server the attributes describe, with the key's permissions on it.
func (a *clientServerAttributes) server(permissions []string) *Server {
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
		Permissions:          permissions,
	}
}

type serverEnvelope struct {
	Attributes clientServerAttributes `json:"attributes"`
	Meta       struct {
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
	return env.toServer(), nil
}

func (env *serverEnvelope) toServer() *Server {
	return env.Attributes.server(env.Meta.UserPermissions)
}
