package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

var (
	_ action.ActionWithConfigure      = (*serverDatabaseRotatePasswordAction)(nil)
	_ action.ActionWithValidateConfig = (*serverDatabaseRotatePasswordAction)(nil)
)

// serverDatabaseRotatePasswordAction rotates a database password on demand (Terraform 1.14+):
// terraform apply -invoke, or an action_trigger. It changes no state itself; the managed
// resource's next refresh reads the new password, as for any rotation outside Terraform.
type serverDatabaseRotatePasswordAction struct {
	data *providerData
}

func newServerDatabaseRotatePasswordAction() action.Action {
	return &serverDatabaseRotatePasswordAction{}
}

type serverDatabaseRotatePasswordModel struct {
	ServerID types.String `tfsdk:"server_id"`
	ID       types.String `tfsdk:"id"`
}

func (a *serverDatabaseRotatePasswordAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_database_rotate_password"
}

func (a *serverDatabaseRotatePasswordAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Rotates the password of a server database now: the panel sets a new random password " +
			"for the database user, whose id, name and host stay. Needs Terraform 1.14 or later, and the " +
			"`database.update` permission. Nothing is written to state: a `pterodactyl_server_database` picks the " +
			"new password up on its next refresh (or keeps it null with `store_password = false`).",
		Attributes: map[string]schema.Attribute{
			"server_id": schema.StringAttribute{
				MarkdownDescription: "The server: its 8-character identifier or its full UUID, such as " +
					"`pterodactyl_server_database.app.server_id`.",
				Required:   true,
				Validators: []validator.String{serverIDValidator{}},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The panel's id of the database (a hashid on Pterodactyl, a number on Pelican), such " +
					"as `pterodactyl_server_database.app.id`. A name is not accepted: the panel rotates by id.",
				Required: true,
			},
		},
	}
}

func (a *serverDatabaseRotatePasswordAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig catches the likeliest slips before anything runs: an empty id, and an
// import ID ("server/database") where the database id alone belongs.
func (a *serverDatabaseRotatePasswordAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var id types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("id"), &id)...)
	if resp.Diagnostics.HasError() || id.IsNull() || id.IsUnknown() {
		return
	}
	switch v := id.ValueString(); {
	case strings.TrimSpace(v) == "":
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid database id",
			"id is empty. Set it to the panel's id of the database, such as pterodactyl_server_database.app.id.")
	case strings.Contains(v, "/"):
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid database id",
			fmt.Sprintf("id %q looks like an import ID. Put the server in server_id and only the database id in id.", v))
	}
}

func (a *serverDatabaseRotatePasswordAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg serverDatabaseRotatePasswordModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !requireConfigured(a.data, &resp.Diagnostics) {
		return
	}
	server, id := cfg.ServerID.ValueString(), cfg.ID.ValueString()
	ctx, cancel := context.WithTimeout(ctx, defaultUpdateTimeout)
	defer cancel()
	progress(resp, fmt.Sprintf("Rotating the password of database %s on server %s", id, server))
	db, err := a.data.client.RotateDatabasePassword(ctx, server, id)
	if err != nil {
		const summary = "Cannot rotate the database password"
		if panel.IsNotFound(err) {
			if msg := a.missingDatabase(ctx, server, id); msg != "" {
				resp.Diagnostics.AddAttributeError(path.Root("id"), summary, msg)
				return
			}
		}
		op := operation{summary: summary, server: server, permission: panel.PermissionUpdate}
		op.addError(&resp.Diagnostics, err)
		return
	}
	tflog.Info(ctx, "rotated server database password", map[string]any{"server": server, "database_id": db.ID})
	progress(resp, fmt.Sprintf("Rotated the password of database %s (%s) on server %s; refresh the "+
		"pterodactyl_server_database to read it", db.ID, db.Name, server))
}

// missingDatabase explains a 404 from rotate when the server is there and the database is
// not, with the ids the server does have; "" when the server itself is the problem.
func (a *serverDatabaseRotatePasswordAction) missingDatabase(ctx context.Context, server, id string) string {
	dbs, gone := a.data.listWithout(ctx, server, id)
	if !gone {
		return ""
	}
	return fmt.Sprintf("Server %s has no database with the id %q; it was deleted, or id holds a name. It has: %s.",
		server, id, describeDatabases(dbs))
}

// progress reports a step to Terraform's output when it listens for progress.
func progress(resp *action.InvokeResponse, msg string) {
	if resp.SendProgress != nil {
		resp.SendProgress(action.InvokeProgressEvent{Message: msg})
	}
}
