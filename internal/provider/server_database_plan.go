package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

// ModifyPlan makes the plan say what apply will do:
//   - a create against a server that can be read now gets its database_name known, and is
//     refused now if the panel would refuse it then (truncated name, database limit reached,
//     missing permission, server suspended or busy);
//   - an update marks password unknown only when rotate_when_changed changed, except when an
//     imported database gets its first triggers, which are recorded without rotating, or when
//     store_password is turned on, which reads the password;
//   - with store_password false, password is null in every plan, so no plan shows a value
//     that apply would not store.
func (r *serverDatabaseResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or the provider is not configured yet
	}
	var plan serverDatabaseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.State.Raw.IsNull() {
		r.planCreate(ctx, &plan, resp)
		r.planPassword(ctx, plan, false, resp)
		return
	}
	var state serverDatabaseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	changes := !storesPassword(state.StorePassword) && !plan.StorePassword.Equal(state.StorePassword)
	if !plan.RotateWhenChanged.Equal(state.RotateWhenChanged) {
		adopt, diags := adoptingTriggers(ctx, req.Private, state)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		changes = changes || !adopt
	}
	r.planPassword(ctx, plan, changes, resp)
}

// planPassword plans the password: null when it is not stored; unknown when apply gives it a
// new value (a rotation, store_password turned on, or unknown store_password); else as it is.
func (r *serverDatabaseResource) planPassword(ctx context.Context, plan serverDatabaseModel, changes bool, resp *resource.ModifyPlanResponse) {
	switch {
	case plan.StorePassword.IsUnknown() || (changes && storesPassword(plan.StorePassword)):
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("password"), types.StringUnknown())...)
	case !storesPassword(plan.StorePassword):
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("password"), types.StringNull())...)
	}
}

func (r *serverDatabaseResource) planCreate(ctx context.Context, plan *serverDatabaseModel, resp *resource.ModifyPlanResponse) {
	if plan.ServerID.IsUnknown() || plan.Name.IsUnknown() {
		return
	}
	server, name := plan.ServerID.ValueString(), plan.Name.ValueString()
	if serverIDProblem(server) != "" || panel.ValidateName(name) != nil {
		return // validators have reported it
	}
	op := operation{summary: "Cannot plan the database", server: server, permission: panel.PermissionRead}
	srv, err := r.data.client.GetServer(ctx, server)
	if err != nil {
		op.addError(&resp.Diagnostics, err)
		return
	}
	if reason := serverBusy(srv); reason != "" {
		resp.Diagnostics.AddAttributeError(path.Root("server_id"), "Server is not available",
			fmt.Sprintf("Server %s %s; the panel refuses database changes until that is over. Run Terraform again then.", server, reason))
		return
	}
	if !srv.Can(panel.PermissionCreate) {
		resp.Diagnostics.AddAttributeError(path.Root("server_id"), "Missing permission",
			fmt.Sprintf("The API key's user lacks the %s permission on server %s, so it cannot create databases. "+
				"Ask the server's owner to grant it, or use the owner's key.", panel.PermissionCreate, server))
		return
	}
	stored := panel.PrefixedName(srv.InternalID, name)
	if panel.Truncated(srv.InternalID, name) {
		keep := len(stored) - len(fmt.Sprintf("s%d_", srv.InternalID))
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Database name too long for this server",
			fmt.Sprintf("The panel prefixes names on server %s with %q and keeps at most 48 characters, so %q would "+
				"be stored as %q. Use a name of at most %d characters.", server, fmt.Sprintf("s%d_", srv.InternalID), name, stored, keep))
		return
	}
	if srv.DatabaseLimit != nil {
		r.planLimit(ctx, server, *srv.DatabaseLimit, resp)
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("database_name"), stored)...)
}

// planLimit reports a create the server's database limit would refuse. A full server is a
// warning, not an error: when the plan replaces a database, the delete runs first and frees
// its place, and the panel checks the limit itself at apply time. A limit of 0 allows nothing.
func (r *serverDatabaseResource) planLimit(ctx context.Context, server string, limit int, resp *resource.ModifyPlanResponse) {
	if limit == 0 {
		resp.Diagnostics.AddAttributeError(path.Root("server_id"), "Server allows no databases",
			fmt.Sprintf("Server %s has a database limit of 0, so the panel refuses every create. A panel administrator "+
				"can raise it in the server's Build Configuration.", server))
		return
	}
	dbs, err := r.data.client.ListDatabases(ctx, server, false)
	if err != nil {
		return // the limit is only a forecast; apply reports what the panel says
	}
	if len(dbs) >= limit {
		resp.Diagnostics.AddAttributeWarning(path.Root("server_id"), "Server's database limit reached",
			fmt.Sprintf("Server %s allows %d databases and has %d. Unless this plan also deletes one of them, the "+
				"panel will refuse the create. Remove one, or ask a panel administrator to raise the limit.", server, limit, len(dbs)))
	}
}

// serverBusy says why the panel would answer 409 for database routes, or "".
func serverBusy(s *panel.Server) string {
	switch {
	case s.Suspended || s.Status == "suspended":
		return "is suspended"
	case s.NodeUnderMaintenance:
		return "is on a node under maintenance"
	case s.Installing || s.Status == "installing" || s.Status == "install_failed":
		return "has not finished installing"
	case s.Status == "restoring_backup":
		return "is restoring a backup"
	case s.Transferring:
		return "is being transferred to another node"
	}
	return ""
}
