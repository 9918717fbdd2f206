package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

var (
	_ list.ListResource              = (*serverDatabaseListResource)(nil)
	_ list.ListResourceWithConfigure = (*serverDatabaseListResource)(nil)
)

// serverDatabaseListResource finds the databases of a server for terraform query
// (Terraform 1.14+), so that they can be imported by identity. It never asks the panel for
// passwords: a listing ends up in generated configuration and in query output.
type serverDatabaseListResource struct {
	data *providerData
}

func newServerDatabaseListResource() list.ListResource { return &serverDatabaseListResource{} }

type serverDatabaseListModel struct {
	ServerID types.String `tfsdk:"server_id"`
}

// Metadata gives the managed resource's type name: a list resource lists instances of the
// resource of the same name.
func (l *serverDatabaseListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_database"
}

func (l *serverDatabaseListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the databases of one server for `terraform query` (Terraform 1.14 or later): " +
			"each with its identity (`server_id`, `database_id`) and a display name, and with the full resource " +
			"when asked (`include_resource = true`), the password always left out.",
		Attributes: map[string]schema.Attribute{
			"server_id": schema.StringAttribute{
				MarkdownDescription: "The server whose databases to list: its 8-character identifier or its full UUID.",
				Required:            true,
				Validators:          []validator.String{serverIDValidator{}},
			},
		},
	}
}

func (l *serverDatabaseListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (l *serverDatabaseListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	var cfg serverDatabaseListModel
	diags.Append(req.Config.Get(ctx, &cfg)...)
	if diags.HasError() || !requireConfigured(l.data, &diags) {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	server := cfg.ServerID.ValueString()
	dbs, err := l.data.client.ListDatabases(ctx, server, false)
	if err != nil {
		op := operation{summary: "Cannot list the server's databases", server: server, permission: panel.PermissionRead}
		op.addError(&diags, err)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		for i := range dbs {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			if !push(listResult(ctx, req, server, &dbs[i])) {
				return
			}
		}
	}
}

// listResult is one database as terraform query shows it.
func listResult(ctx context.Context, req list.ListRequest, server string, db *panel.Database) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = fmt.Sprintf("%s (id %s) on server %s", db.Name, db.ID, canonicalServerID(server))
	result.Diagnostics.Append(result.Identity.Set(ctx, newServerDatabaseIdentity(server, db.ID))...)
	if req.IncludeResource {
		result.Diagnostics.Append(result.Resource.Set(ctx, listedModel(server, db))...)
	}
	return result
}

// listedModel is the resource as an import of db would leave it, but without the password
// and with no rotate_when_changed, so generated configuration starts from the defaults.
func listedModel(server string, db *panel.Database) serverDatabaseModel {
	m := serverDatabaseModel{
		ServerID:          types.StringValue(server),
		RotateWhenChanged: types.MapNull(types.StringType),
		Password:          types.StringNull(),
		StorePassword:     types.BoolValue(true),
		Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
			"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType,
		})},
	}
	m.setFromPanel(db)
	return m
}
