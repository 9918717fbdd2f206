package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ resource.ResourceWithIdentity = (*databaseHostResource)(nil)

// databaseHostIdentity is the resource identity of a database host (Terraform 1.12+): the
// panel's id, which names the host on the whole panel.
type databaseHostIdentity struct {
	ID types.String `tfsdk:"id"`
}

// setHostIdentity records the identity of host id. A nil identity means the caller runs
// without identity support (a direct call in a test), so there is nothing to set.
func setHostIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id string) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	return identity.Set(ctx, databaseHostIdentity{ID: types.StringValue(id)})
}

func (r *databaseHostResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				Description: "The panel's numeric id of the database host, such as 3, as the " +
					"pterodactyl_database_hosts data source shows it.",
				RequiredForImport: true,
			},
		},
	}
}
