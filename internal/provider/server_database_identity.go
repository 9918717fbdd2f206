package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ resource.ResourceWithIdentity = (*serverDatabaseResource)(nil)

// serverDatabaseIdentity is the resource identity of a server database (Terraform 1.12+): the
// two values that name it on a panel, and nothing a person chose.
type serverDatabaseIdentity struct {
	ServerID   types.String `tfsdk:"server_id"`
	DatabaseID types.String `tfsdk:"database_id"`
}

// newServerDatabaseIdentity is the identity of database id on server. The server part is
// always the short identifier, so that the identifier and the UUID of one server, which
// server_id accepts alike, give one identity: Terraform refuses an identity that changes.
func newServerDatabaseIdentity(server, id string) serverDatabaseIdentity {
	return serverDatabaseIdentity{
		ServerID:   types.StringValue(canonicalServerID(server)),
		DatabaseID: types.StringValue(id),
	}
}

// canonicalServerID turns a server reference into the server's short identifier: the panel
// derives that from the first 8 characters of the UUID, and both panels print it in lower
// case. A reference of another shape is returned as it is.
func canonicalServerID(server string) string {
	switch {
	case uuidRE.MatchString(server):
		return strings.ToLower(server[:8])
	case shortIDRE.MatchString(server):
		return strings.ToLower(server)
	}
	return server
}

// setIdentity records the identity of database id on server. A nil identity means the
// caller runs without identity support (a direct call in a test), so there is nothing to set.
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, server, id string) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	return identity.Set(ctx, newServerDatabaseIdentity(server, id))
}

func (r *serverDatabaseResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"server_id": identityschema.StringAttribute{
				Description: "The server's 8-character short identifier, such as 1a7ce997. On import a full " +
					"server UUID is accepted too; the identity stored is the short identifier.",
				RequiredForImport: true,
			},
			"database_id": identityschema.StringAttribute{
				Description: "The panel's id of the database: a hashid such as bEY4yAD5 on Pterodactyl, " +
					"a number such as 12 on Pelican. A name is not accepted here.",
				RequiredForImport: true,
			},
		},
	}
}
