package panel

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

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
	return env.toServer(), nil
}

func (env *serverEnvelope) toServer() *Server {
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
	}
}
