package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

// ModifyPlan makes the plan say what apply will do:
//   - a create against a server that can be read now gets its database_name known, and is
//     refused now if the panel would refuse it then (truncated name, a name the server
//     already has, database limit reached, missing permission, server suspended or busy);
//   - two resources asking for one name on one server are refused;
//   - an update marks password unknown only when rotate_when_changed changed, except when an
//     imported database gets its first triggers, which are recorded without rotating, or when
//     store_password is turned on, which reads the password;
//   - with store_password false, password is null in every plan, so no plan shows a value
//     that apply would not store.
func (r *serverDatabaseResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return // the provider is not configured yet
	}
	if req.Plan.Raw.IsNull() {
		// A destroy: of a resource taken out of the configuration, or of an object left
		// deposed. Its name is free for others only after the apply deletes it.
		var state serverDatabaseModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if !resp.Diagnostics.HasError() {
			r.releaseName(state, resp)
		}
		return
	}
	var plan serverDatabaseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.State.Raw.IsNull() {
		replacing, diags := replacedDatabase(ctx, req.Private)
		resp.Diagnostics.Append(diags...)
		// database_host_id is computed too: the plan has it unknown when the configuration
		// leaves it out, and planCreate needs to know which.
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("database_host_id"), &plan.DatabaseHostID)...)
		r.planCreate(ctx, &plan, replacing, resp)
		r.planPassword(ctx, plan, false, resp)
		return
	}
	var state serverDatabaseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data.own(state.ServerID.ValueString(), state.ID.ValueString()) {
		resp.Diagnostics.AddError("Database managed twice", fmt.Sprintf(
			"Database %s (id %s) on server %s is in Terraform state under two resource addresses, imported twice or "+
				"moved in state by hand: whatever either resource does happens to the other's database, and "+
				"destroying either drops its data. Keep one: terraform state rm ADDRESS for the other. This message "+
				"cannot name the other address: Terraform tells a provider what to plan, never the address it plans.",
			state.DatabaseName.ValueString(), state.ID.ValueString(), state.ServerID.ValueString()))
		return
	}
	if !plan.Name.Equal(state.Name) || !panel.SameServer(plan.ServerID.ValueString(), state.ServerID.ValueString()) {
		// Replaced under another name or on another server: the old name is given up.
		r.releaseName(state, resp)
	}
	r.claimName(plan, state.ID.ValueString(), resp)
	r.planHostOfExisting(ctx, req, state, resp)
	// Terraform plans a replacement again with no prior state, handing over this call's
	// private data (hashicorp/terraform, internal/terraform/node_resource_abstract_instance.go,
	// plan): it tells that call which database it replaces.
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateReplaces, []byte(strconv.Quote(state.ID.ValueString())))...)
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

// planPassword plans the password, and connection_string with it: null when it is not
// stored; unknown when apply gives it a new value (a rotation, store_password turned on, or
// unknown store_password); else as it is.
func (r *serverDatabaseResource) planPassword(ctx context.Context, plan serverDatabaseModel, changes bool, resp *resource.ModifyPlanResponse) {
	var v types.String
	switch {
	case plan.StorePassword.IsUnknown() || (changes && storesPassword(plan.StorePassword)):
		v = types.StringUnknown()
	case !storesPassword(plan.StorePassword):
		v = types.StringNull()
	default:
		return
	}
	for _, attr := range []string{"password", "connection_string"} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(attr), v)...)
	}
}

// planCreate plans a database to be made; replacing is the id of the database it replaces,
// if any, which claims the name already.
func (r *serverDatabaseResource) planCreate(ctx context.Context, plan *serverDatabaseModel, replacing string, resp *resource.ModifyPlanResponse) {
	if plan.ServerID.IsUnknown() || plan.Name.IsUnknown() {
		return
	}
	server, name := plan.ServerID.ValueString(), plan.Name.ValueString()
	if serverIDProblem(server) != "" || panel.ValidateName(name) != nil {
		return // validators have reported it
	}
	if r.claimName(*plan, replacing, resp) {
		return
	}
	if !r.planAPI(ctx, *plan, resp) {
		return
	}
	if remote := plan.Remote.ValueString(); r.data.client.Flavor() == panel.Pterodactyl && len(remote) > panel.PterodactylRemoteMaxLength {
		resp.Diagnostics.AddAttributeError(path.Root("remote"), "Remote too long for Pterodactyl", fmt.Sprintf(
			"Pterodactyl keeps remote in a column of %d characters and cuts a longer one there, while the database "+
				"host keeps it whole, so the panel would show another remote than the database user has. Use at most "+
				"%d characters, got %d.", panel.PterodactylRemoteMaxLength, panel.PterodactylRemoteMaxLength, len(remote)))
		return
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
	if prefix := fmt.Sprintf("s%d_", srv.InternalID); strings.HasPrefix(name, prefix) {
		resp.Diagnostics.AddAttributeWarning(path.Root("name"), "Name starts with the server's prefix", fmt.Sprintf(
			"The panel puts %q before every database name on server %s itself, so name %q is stored as %q. For a "+
				"database stored as %q, write name = %q.", prefix, server, name, stored, name, strings.TrimPrefix(name, prefix)))
	}
	if panel.Truncated(srv.InternalID, name) {
		keep := len(stored) - len(fmt.Sprintf("s%d_", srv.InternalID))
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Database name too long for this server",
			fmt.Sprintf("The panel prefixes names on server %s with %q and keeps at most 48 characters, so %q would "+
				"be stored as %q. Use a name of at most %d characters.", server, fmt.Sprintf("s%d_", srv.InternalID), name, stored, keep))
		return
	}
	// The name check uses what the client knows of the server: one list per server, however
	// many databases are planned. A key that may not list the databases skips it; apply has
	// the panel's own check. The database this create replaces is not a conflict, nor one
	// Terraform holds in state and read in this walk (the resource's own, tainted):
	// another resource asking for its name is caught by claimName and releaseName, whichever
	// of the two plans comes second.
	if taken, err := r.data.client.TakenName(ctx, server, name); err == nil && taken != nil &&
		taken.ID != replacing && !r.data.isHeld(server, taken.ID) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Database name already taken", fmt.Sprintf(
			"Server %s already has a database named %s (id %s). To manage that database with this resource, "+
				"import it: terraform import ADDRESS %s/%s, with this resource's address (shown above after "+
				"\"with\") for ADDRESS, in single quotes if it has an index; or an import block with id = \"%s/%s\". "+
				"Or choose another name. If this plan also destroys that database under another resource address "+
				"(a resource renamed without a moved block), add a moved block instead. If this resource has "+
				"create_before_destroy and replaces that database, the replacement cannot be made while that "+
				"database holds the name, and Terraform keeps it, deposed, until a replacement is made: change "+
				"name too, so that the new database is made first and then the old one deleted; or delete the old "+
				"one first: terraform apply -destroy -refresh=false -target=ADDRESS, then terraform apply.",
			server, taken.Name, taken.ID, server, taken.ID, server, taken.ID))
		return
	}
	if srv.DatabaseLimit != nil {
		r.planLimit(ctx, server, *srv.DatabaseLimit, resp)
	}
	if plan.DatabaseHostID.IsNull() {
		r.planCreateWait(server, name, resp)
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("database_name"), stored)...)
}

// planCreateWait warns when this plan creates more databases on the server, through the
// client API, than the panel lets through in one minute: the apply then waits for the panel's
// windows ("Still creating…"), which the warning explains and times. Each create past the
// limit warns with the count planned so far; Terraform shows the first and counts the others.
func (r *serverDatabaseResource) planCreateWait(server, name string, resp *resource.ModifyPlanResponse) {
	n := r.data.countCreate(server, name)
	limit, learned := r.data.client.CreateLimit(server)
	panelSays := fmt.Sprintf("the panel allows %d database creates a minute on this server", limit)
	switch {
	case learned:
	case limit > 0:
		panelSays = fmt.Sprintf("Pelican allows %d database creates a minute per server (unless configured otherwise)", limit)
	default:
		// Pterodactyl: 1.12 and later throttle creates, 1.11 does not, and the API does not
		// tell the version.
		limit = panel.DefaultCreateLimit
		panelSays = fmt.Sprintf("Pterodactyl 1.12 and later allow %d database creates a minute per server (1.11 has no "+
			"such limit)", limit)
	}
	if n <= limit {
		return
	}
	minutes := (n+limit-1)/limit - 1
	resp.Diagnostics.AddAttributeWarning(path.Root("server_id"), "Creates will wait for the panel's limit", fmt.Sprintf(
		"This plan creates at least %d databases on server %s: %s, so the apply takes at least about %s while "+
			"Terraform says \"Still creating…\". Nothing fails and nothing is sent twice: the provider waits for each "+
			"minute's window. Keep the create timeout (10 minutes by default) above the wait.",
		n, server, panelSays, pluralMinutes(minutes)))
}

func pluralMinutes(n int) string {
	if n == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

// planHostOfExisting checks a database_host_id given to a database whose host state does not
// know (a client key created it, and the client API does not tell hosts): the panel says
// which host it is on, and another host replaces it, as a change of host does. A key that may
// not ask is refused, as it would be for a create on a chosen host.
func (r *serverDatabaseResource) planHostOfExisting(ctx context.Context, req resource.ModifyPlanRequest, state serverDatabaseModel, resp *resource.ModifyPlanResponse) {
	var configured types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("database_host_id"), &configured)...)
	if !state.DatabaseHostID.IsNull() || configured.IsNull() || configured.IsUnknown() {
		return
	}
	server := state.ServerID.ValueString()
	actual, err := r.data.client.DatabaseHostOf(ctx, server, state.ID.ValueString())
	if err != nil {
		op := operation{summary: "Cannot plan the database", server: server, permission: panel.PermissionRead}
		op.addError(&resp.Diagnostics, err)
		return
	}
	if actual != configured.ValueString() {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("database_host_id"))
	}
}

// appRemoteRE is the application API's rule for remote (the panel's
// StoreServerDatabaseRequest): digits, dots and %, at most 15, so no host names and no masks.
var appRemoteRE = regexp.MustCompile(`^[0-9%.]{1,15}$`)

// planAPI refuses now what the API that will run the create would refuse: an application
// key needs a database host, and the application API's remote rule is stricter than the
// client API's. It reports whether the plan may go on.
func (r *serverDatabaseResource) planAPI(ctx context.Context, plan serverDatabaseModel, resp *resource.ModifyPlanResponse) bool {
	app := r.data.client.Kind() == panel.ApplicationKey
	if app && plan.DatabaseHostID.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("database_host_id"), "Database host required",
			"api_key is an application key, and the application API creates a database only on a host it is "+
				"given. Set database_host_id to a database host's id (the pterodactyl_database_hosts data source "+
				"lists them on Pelican; on Pterodactyl, Admin → Databases shows them), or use a client key to let the "+
				"panel pick the host.")
		return false
	}
	viaApp := app || !plan.DatabaseHostID.IsNull()
	if viaApp && !plan.Remote.IsUnknown() && !appRemoteRE.MatchString(plan.Remote.ValueString()) {
		resp.Diagnostics.AddAttributeError(path.Root("remote"), "Remote not allowed by the application API",
			fmt.Sprintf("A database created on a chosen host goes through the application API, which takes only "+
				"digits, dots and %% in remote, at most 15 characters (such as %% or 10.0.0.%%), got %q. Use such a "+
				"pattern, or leave database_host_id unset with a client key.", plan.Remote.ValueString()))
		return false
	}
	if viaApp && !app {
		// A client key chooses the host through the application API: its user must be a root
		// admin. One read of the server there, once per server, tells.
		if err := r.data.client.CheckApplicationAccess(ctx, plan.ServerID.ValueString()); err != nil {
			op := operation{summary: "Cannot plan the database", server: plan.ServerID.ValueString(), permission: panel.PermissionCreate}
			op.addError(&resp.Diagnostics, err)
			return false
		}
	}
	return true
}

// claimName records the name plan asks for on its server, for the database claimant (its id,
// the id of the database it replaces, or "" for a new one), and refuses the plan when another
// resource in this walk asks for the same, or when this plan deletes a database of that name
// under another resource. It reports whether it refused.
func (r *serverDatabaseResource) claimName(plan serverDatabaseModel, claimant string, resp *resource.ModifyPlanResponse) bool {
	if plan.ServerID.IsUnknown() || plan.Name.IsUnknown() || plan.ServerID.IsNull() || plan.Name.IsNull() {
		return false
	}
	server, name := plan.ServerID.ValueString(), plan.Name.ValueString()
	switch conflict, id := r.data.claim(server, name, claimant); conflict {
	case claimUsedTwice:
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Database name used twice", fmt.Sprintf(
			"Another pterodactyl_server_database in this configuration also asks for the name %q on server %s, and "+
				"the databases of a server need names of their own, whatever their case. Give one of them another "+
				"name. This message cannot name the other resource: Terraform tells a provider what to plan, never "+
				"the address it plans; look for name = %q (in any case) on server %s.", name, server, name, server))
	case claimReleased:
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Database name held by a database this plan deletes",
			releasedMessage(server, name, id))
	default:
		return false
	}
	return true
}

// releasedMessage explains why a new database cannot take the name of a database the same plan
// deletes under another resource address (or as a deposed object), and what to do instead.
func releasedMessage(server, name, id string) string {
	return fmt.Sprintf("This plan deletes database %s (name %q) on server %s under another resource address, or as an "+
		"object left deposed by a create_before_destroy apply that failed, and makes a new database of the same name. "+
		"Terraform may make the new one before it deletes the old, and the panel refuses a name that is taken, so the "+
		"apply would fail half-way. If the resource was renamed, or its count index or for_each key changed, add a "+
		"moved block from the old address to the new one: the database is then kept, with its data. If the old "+
		"database was left deposed by create_before_destroy, give this resource another name (the new database is "+
		"made, then the old one deleted), or delete the old one first: terraform apply -destroy -refresh=false -target=ADDRESS, with "+
		"this resource's address (shown above after \"with\"), then terraform apply. The errors guide describes both.",
		id, name, server)
}

// releaseName records that this plan deletes the database in state and that its resource
// does not ask for its name again, and refuses the plan when another resource asks for it.
func (r *serverDatabaseResource) releaseName(state serverDatabaseModel, resp *resource.ModifyPlanResponse) {
	server, name, id := state.ServerID.ValueString(), state.Name.ValueString(), state.ID.ValueString()
	if r.data.release(server, name, id) {
		resp.Diagnostics.AddError("Database name held by a database this plan deletes", releasedMessage(server, name, id))
	}
}

// privateReplaces carries, from the plan of a database that is replaced to the plan of its
// replacement, the id of the database being replaced.
const privateReplaces = "replaces_database"

// replacedDatabase returns the id of the database a create replaces, or "".
func replacedDatabase(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
},
) (string, diag.Diagnostics) {
	if private == nil {
		return "", nil
	}
	b, diags := private.GetKey(ctx, privateReplaces)
	if len(b) == 0 || diags.HasError() {
		return "", diags
	}
	id, err := strconv.Unquote(string(b))
	if err != nil {
		return "", diags
	}
	return id, diags
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
	dbs, err := r.data.client.KnownDatabases(ctx, server)
	if err != nil {
		return // the limit is only a forecast; apply reports what the panel says
	}
	if len(dbs) >= limit {
		resp.Diagnostics.AddAttributeWarning(path.Root("server_id"), "Server's database limit reached",
			fmt.Sprintf("Server %s allows %s and has %d. Unless this plan also deletes one of them, the "+
				"panel will refuse the create. Remove one, or ask a panel administrator to raise the limit.", server, countOf(limit, "database"), len(dbs)))
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
