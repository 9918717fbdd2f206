package provider

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

var (
	_ resource.Resource                = (*serverDatabaseResource)(nil)
	_ resource.ResourceWithConfigure   = (*serverDatabaseResource)(nil)
	_ resource.ResourceWithImportState = (*serverDatabaseResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*serverDatabaseResource)(nil)
)

// Default timeouts. Create is the longest because Pelican paces creates to two a minute per
// server and the client waits for the panel's window.
const (
	defaultCreateTimeout = 10 * time.Minute
	defaultReadTimeout   = 5 * time.Minute
	defaultUpdateTimeout = 5 * time.Minute
	defaultDeleteTimeout = 5 * time.Minute
)

// privateAdoptTriggers marks an imported database: its first rotate_when_changed value is
// taken as it is, without rotating, because import never rotates.
const privateAdoptTriggers = "adopt_rotate_when_changed"

type serverDatabaseResource struct {
	data *providerData
}

func newServerDatabaseResource() resource.Resource { return &serverDatabaseResource{} }

type serverDatabaseModel struct {
	ID                types.String   `tfsdk:"id"`
	ServerID          types.String   `tfsdk:"server_id"`
	Name              types.String   `tfsdk:"name"`
	Remote            types.String   `tfsdk:"remote"`
	RotateWhenChanged types.Map      `tfsdk:"rotate_when_changed"`
	DatabaseName      types.String   `tfsdk:"database_name"`
	Username          types.String   `tfsdk:"username"`
	Password          types.String   `tfsdk:"password"`
	StorePassword     types.Bool     `tfsdk:"store_password"`
	Host              types.String   `tfsdk:"host"`
	Port              types.Int64    `tfsdk:"port"`
	MaxConnections    types.Int64    `tfsdk:"max_connections"`
	DatabaseHostID    types.String   `tfsdk:"database_host_id"`
	ConnectionString  types.String   `tfsdk:"connection_string"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// withConnectionString sets ConnectionString from the other attributes: null without a
// password, unknown while any part is.
func (m *serverDatabaseModel) withConnectionString() {
	m.ConnectionString = connectionString(m.Username, m.Password, m.Host, m.Port, m.DatabaseName)
}

// connectionString is connectionURI (the credentials ephemeral resource's) of the attributes:
// null without a password, unknown while any part is.
func connectionString(user, password, host types.String, port types.Int64, database types.String) types.String {
	switch {
	case password.IsNull():
		return types.StringNull()
	case user.IsUnknown() || password.IsUnknown() || host.IsUnknown() || port.IsUnknown() || database.IsUnknown():
		return types.StringUnknown()
	}
	return types.StringValue(connectionURI(user.ValueString(), password.ValueString(), host.ValueString(),
		int(port.ValueInt64()), database.ValueString()))
}

// hostIDValidator accepts the panel's numeric database host ids.
var hostIDValidator = stringvalidator.RegexMatches(regexp.MustCompile(`^[1-9][0-9]{0,18}$`),
	"must be a database host's numeric id, such as \"1\" (see the pterodactyl_database_hosts data source)")

// hostIDChanged replaces a database whose configuration names another host than the one it
// is known to be on, or a host not known until apply (a host made in the same run), which
// Terraform would otherwise take as an update in place. When state does not know the host
// (a client key created the database), ModifyPlan asks the panel instead.
func hostIDChanged(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !req.StateValue.IsNull() && !req.StateValue.IsUnknown() && !req.ConfigValue.IsNull() &&
		(req.ConfigValue.IsUnknown() || !req.ConfigValue.Equal(req.StateValue))
}

// setFromPanel copies what the panel reports into the model. The password is handled by the
// caller, since what to do when it is hidden depends on the operation.
func (m *serverDatabaseModel) setFromPanel(db *panel.Database) {
	m.ID = types.StringValue(db.ID)
	m.DatabaseName = types.StringValue(db.Name)
	m.Username = types.StringValue(db.Username)
	m.Remote = types.StringValue(db.Remote)
	m.Host = types.StringValue(db.Host)
	m.Port = types.Int64Value(int64(db.Port))
	m.MaxConnections = types.Int64Value(int64(db.MaxConnections))
	switch {
	case db.HostID != "":
		m.DatabaseHostID = types.StringValue(db.HostID)
	case m.DatabaseHostID.IsUnknown():
		// The client API does not say which host a database is on.
		m.DatabaseHostID = types.StringNull()
	}
	if m.Name.IsNull() || m.Name.IsUnknown() {
		m.Name = types.StringValue(panel.ShortName(db.Name))
	}
}

func (r *serverDatabaseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_database"
	// The identity's database_id takes the form of the key's API: a read after a switch
	// between a client key and an application key records the database's id in the new
	// form. Without this the framework refuses any identity change in a read
	// (internal/fwserver/server_readresource.go, ReadResource: "Unexpected Identity Change").
	resp.ResourceBehavior.MutableIdentity = true
}

func (r *serverDatabaseResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A MySQL/MariaDB database of a game server on a Pterodactyl or Pelican panel, with its " +
			"credentials. The panel picks the database host (unless `database_host_id` chooses it) and generates the user name and password; changing " +
			"`rotate_when_changed` rotates the password in place.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The panel's id of the database: a hashid such as `bEY4yAD5` on Pterodactyl, " +
					"a number on Pelican.",
				Computed:      true,
				PlanModifiers: keep,
			},
			"server_id": schema.StringAttribute{
				MarkdownDescription: "The server the database belongs to: its 8-character identifier or its full " +
					"UUID. Both name the same server, so switching between them plans nothing: state keeps the form " +
					"it has. Moving to another server replaces the database.",
				Required:      true,
				PlanModifiers: []planmodifier.String{keepServerForm{}, replaceUnlessSameServer},
				Validators:    []validator.String{serverIDValidator{}},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The database name as you ask for it: 3 to 48 letters, digits, `_` or `-`. " +
					"The panel stores it as `s{N}_<name>` (see `database_name`); a name that would not fit in 48 " +
					"characters with that prefix is refused at plan time. Changing it replaces the database: the old one is " +
					"dropped with its data, and a new, empty one is created.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{nameValidator},
			},
			"remote": schema.StringAttribute{
				MarkdownDescription: "Where the database user may connect from: `%` (anywhere, the default), an IP " +
					"address, a pattern such as `10.0.0.%`, or a network such as `10.0.0.0/255.0.0.0`. CIDR notation " +
					"(`10.0.0.0/8`) works on MySQL 8.0.23 and later only, not on MariaDB, and is warned about. At most " +
					"255 characters, 191 on Pterodactyl. Changing it replaces the database: the old one is dropped " +
					"with its data, and a new, empty one is created.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString("%"),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{remoteValidator, cidrRemoteWarning{}},
			},
			"rotate_when_changed": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values; a change to them rotates the password in place (the " +
					"database, its user and its id stay). Feed it a `time_rotating` id for scheduled rotation, or a " +
					"value you bump by hand. One exception: on an imported database, the first values the " +
					"configuration gives are recorded without rotating, whenever they are added; later changes rotate.",
				Optional:    true,
				ElementType: types.StringType,
			},
			"database_name": schema.StringAttribute{
				MarkdownDescription: "The name the panel stores and MySQL knows: `s{N}_<name>`, where N is the " +
					"server's internal id.",
				Computed:      true,
				PlanModifiers: keep,
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "The database user, generated by the panel (`u{N}_` and 10 characters).",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "The database user's password. Null when `store_password` is false, or when " +
					"the API key lacks the `database.view_password` permission (Pelican: `database.view-password`).",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: keep,
			},
			"connection_string": schema.StringAttribute{
				MarkdownDescription: "`mysql://username:password@host:port/database_name`, ready for a client or " +
					"an application's configuration, with the user name and password percent-encoded (the panel's " +
					"passwords hold characters such as `+ = @ ! ^`). Null when `password` is. It follows rotations " +
					"like `password` does.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: keep,
			},
			"store_password": schema.BoolAttribute{
				MarkdownDescription: "Whether Terraform keeps the password in state (default `true`). With `false`, " +
					"`password` is always null after create, rotation and refresh, and the panel is not asked for it " +
					"on refresh. `terraform import` cannot see this setting and keeps the password until the next apply; " +
					"an `import` block does not. `rotate_when_changed` still rotates it; read it where it is " +
					"needed with the `pterodactyl_server_database_credentials` ephemeral resource (Terraform 1.10+). " +
					"Changing it calls nothing on the panel, except that turning it on reads the current password.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "Address of the database host the panel chose.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "Port of the database host.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"max_connections": schema.Int64Attribute{
				MarkdownDescription: "The user's connection limit; `0` means none. Only a panel administrator can " +
					"change it.",
				Computed:      true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"database_host_id": schema.StringAttribute{
				MarkdownDescription: "The database host the database is on, by the panel's numeric id (see " +
					"`pterodactyl_database_hosts`). Set it to choose the host: the create then goes through the " +
					"application API, which needs an application key, or a client key of a root admin. Required to " +
					"create a database with an application key. Read back from the panel on every refresh with an " +
					"application key; a client key keeps what state has, and is null for a database it made without " +
					"choosing the host. Changing it replaces the database, the old one dropped with its data; so does a " +
					"host known only at apply, such as one made in the same run. Given to a database whose host state " +
					"does not know, it is checked with the panel: the host the database is on is recorded, another " +
					"replaces it.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{hostIDValidator},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplaceIf(hostIDChanged, "Moving a database to another host replaces it.",
						"Moving a database to another host replaces it."),
				},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Read: true, Update: true, Delete: true,
				CreateDescription: "How long a create may take, as a duration such as `30m`. Defaults to `10m`. It " +
					"covers waiting for the creates ahead of it on the same server and for the panel's rate limits, " +
					"and looking for a create the panel did not answer.",
				ReadDescription:   "How long a refresh of the database may take. Defaults to `5m`.",
				UpdateDescription: "How long a password rotation may take. Defaults to `5m`.",
				DeleteDescription: "How long a delete may take. Defaults to `5m`.",
			}),
		},
	}
}

func (r *serverDatabaseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// configuredData takes the provider's data from a Configure request; nil before the provider
// is configured (Terraform validates configurations before it has one).
func configuredData(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	d, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider.", v))
		return nil
	}
	return d
}

func (r *serverDatabaseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serverDatabaseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	server := plan.ServerID.ValueString()
	op := operation{summary: "Cannot create the database", server: server, permission: panel.PermissionCreate, timeout: "create", limit: limit}
	db, err := r.data.client.CreateDatabase(ctx, server, panel.CreateDatabaseInput{
		Name:   plan.Name.ValueString(),
		Remote: plan.Remote.ValueString(),
		HostID: plan.DatabaseHostID.ValueString(), // "" when null or unknown: the panel picks
	})
	if err != nil {
		if panel.IsTooManyDatabases(err) {
			resp.Diagnostics.AddError(op.summary, r.limitMessage(ctx, server, err))
			return
		}
		op.addError(&resp.Diagnostics, err)
		return
	}
	tflog.Info(ctx, "created server database", map[string]any{"server": server, "database_id": db.ID, "database": db.Name})
	r.data.claimFor(server, plan.Name.ValueString(), db.ID)
	plan.setFromPanel(db)
	plan.Password = r.passwordAfterWrite(db, server, plan.StorePassword, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateReplaces, nil)...)
	plan.withConnectionString()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, server, db.ID)...)
}

// limitMessage explains a refused create because of the server's database limit, with the
// limit and the count when the panel will tell them.
func (r *serverDatabaseResource) limitMessage(ctx context.Context, server string, err error) string {
	msg := err.Error() + "\n\n"
	srv, sErr := r.data.client.GetServer(ctx, server)
	dbs, lErr := r.data.client.ListDatabases(ctx, server, false)
	if sErr == nil && lErr == nil && srv.DatabaseLimit != nil {
		return msg + fmt.Sprintf("Server %s allows %s and has %d. Remove a database, or ask a panel "+
			"administrator to raise the server's database limit.", server, countOf(*srv.DatabaseLimit, "database"), len(dbs))
	}
	return msg + "Remove a database, or ask a panel administrator to raise the server's database limit."
}

func (r *serverDatabaseResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serverDatabaseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := state.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	server := state.ServerID.ValueString()
	// Set first: the framework wants an identity even when the resource leaves state below.
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, server, state.ID.ValueString())...)
	// Without store_password the panel is not even asked for passwords.
	store := storesPassword(state.StorePassword)
	dbs, err := r.data.client.ListDatabases(ctx, server, store)
	if panel.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Server not found; database removed from state",
			fmt.Sprintf("The panel answered 404 for server %s: it was deleted, or the API key's user lost access to "+
				"it. Database %s is no longer tracked by Terraform.", server, state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		op := operation{summary: "Cannot read the database", server: server, permission: panel.PermissionRead, timeout: "read", limit: limit}
		op.addError(&resp.Diagnostics, err)
		return
	}
	db := panel.FindDatabase(dbs, state.ID.ValueString())
	if db == nil && r.data.client.OtherIDForm(state.ID.ValueString()) {
		// The key changed kind since the id was stored (a client key's hashid, an application
		// key's number): the database is the one with the stored name, unique per server, and
		// its id is recorded in this key's form.
		db = panel.FindStoredName(dbs, state.DatabaseName.ValueString())
	}
	if db == nil {
		if err := r.data.client.ForeignDatabase(ctx, server, state.ID.ValueString()); err != nil {
			// Another server's database: never taken for a deleted one, which the plan would
			// make again, nor read as this one.
			op := operation{summary: "Cannot read the database", server: server, permission: panel.PermissionRead, timeout: "read", limit: limit}
			op.addError(&resp.Diagnostics, err)
			return
		}
		tflog.Info(ctx, "database no longer on the panel; removing it from state", map[string]any{"server": server, "database_id": state.ID.ValueString()})
		resp.Diagnostics.AddWarning("Database deleted outside Terraform", fmt.Sprintf(
			"Database %s (id %s) is no longer on server %s: it was deleted outside Terraform, and its data with it. It "+
				"is removed from state; if the configuration still asks for it, the plan makes a new, empty database "+
				"in its place.", state.DatabaseName.ValueString(), state.ID.ValueString(), server))
		resp.State.RemoveResource(ctx)
		return
	}
	r.data.holds(server, db.ID)
	state.setFromPanel(db)
	// Again, now that the id may be in this key's form.
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, server, db.ID)...)
	if state.StorePassword.IsNull() {
		// A state from before store_password existed: record the default it was kept under,
		// so the next plan shows no change for it.
		state.StorePassword = types.BoolValue(true)
	}
	switch db.PasswordState {
	case panel.PasswordIncluded:
		state.Password = types.StringValue(db.Password)
	case panel.PasswordNotRequested:
		state.Password = types.StringNull()
	case panel.PasswordHidden:
		if r.data.warnOnce("view-password/" + server) {
			resp.Diagnostics.AddAttributeWarning(path.Root("password"), "Password not readable; keeping the stored one",
				fmt.Sprintf("The API key's user lacks the %s permission (Pelican: %s) on server %s, so Terraform "+
					"cannot see whether a password changed on the panel. It keeps the password from state.",
					panel.PermissionViewPassword, panel.PermissionViewPasswordPelican, server))
		}
	}
	state.withConnectionString()
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *serverDatabaseResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state serverDatabaseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	adopt, diags := adoptingTriggers(ctx, req.Private, state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !adopt && !plan.RotateWhenChanged.Equal(state.RotateWhenChanged) {
		limit, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		rctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		server := state.ServerID.ValueString()
		db, err := r.data.client.RotateDatabasePassword(rctx, server, state.ID.ValueString())
		if err != nil {
			const summary = "Cannot rotate the database password"
			if panel.IsNotFound(err) && r.data.databaseGone(rctx, server, state.ID.ValueString()) {
				// The panel answers 404 alike for a server and a database it lacks; the server
				// lists, so it is the database that is gone.
				resp.Diagnostics.AddError(summary, fmt.Sprintf("Database %s (id %s) is no longer on server %s: it was "+
					"deleted after this plan was made, and its data with it. Run terraform apply again: the plan "+
					"makes a new, empty database in its place.", state.DatabaseName.ValueString(), state.ID.ValueString(), server))
				return
			}
			op := operation{summary: summary, server: server, permission: panel.PermissionUpdate, timeout: "update", limit: limit}
			op.addError(&resp.Diagnostics, err)
			return
		}
		tflog.Info(ctx, "rotated server database password", map[string]any{"server": server, "database_id": db.ID})
		// Only the password is the rotation's to change: the plan promised the rest as they
		// were, and the next refresh picks up anything an admin changed meanwhile.
		plan.Password = r.passwordAfterWrite(db, server, plan.StorePassword, &resp.Diagnostics)
	}
	switch {
	case !storesPassword(plan.StorePassword):
		plan.Password = types.StringNull()
	case plan.Password.IsUnknown():
		// store_password was turned on without a rotation: read the current password.
		plan.Password = r.currentPassword(ctx, plan, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	// Whatever this update did, the import is behind us: later trigger changes rotate.
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateAdoptTriggers, nil)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateReplaces, nil)...)
	plan.withConnectionString()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, plan.ServerID.ValueString(), plan.ID.ValueString())...)
}

func (r *serverDatabaseResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serverDatabaseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	server := state.ServerID.ValueString()
	if err := r.data.client.DeleteDatabase(ctx, server, state.ID.ValueString()); err != nil {
		op := operation{summary: "Cannot delete the database", server: server, permission: panel.PermissionDelete, timeout: "delete", limit: limit}
		op.addError(&resp.Diagnostics, err)
		return
	}
	tflog.Info(ctx, "deleted server database", map[string]any{"server": server, "database_id": state.ID.ValueString()})
	r.data.unclaim(server, state.Name.ValueString(), state.ID.ValueString())
}

// adoptingTriggers reports whether rotate_when_changed is being set for the first time on an
// imported database: import never rotates, so those first values are recorded as they are.
func adoptingTriggers(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}, state serverDatabaseModel,
) (bool, diag.Diagnostics) {
	if private == nil || !state.RotateWhenChanged.IsNull() {
		return false, nil
	}
	v, diags := private.GetKey(ctx, privateAdoptTriggers)
	return len(v) > 0, diags
}
