package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

var (
	_ resource.Resource                = (*databaseHostResource)(nil)
	_ resource.ResourceWithConfigure   = (*databaseHostResource)(nil)
	_ resource.ResourceWithImportState = (*databaseHostResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*databaseHostResource)(nil)
)

// Default timeouts of a database host's operations. A create may have to look for a host
// whose create the panel did not answer.
const (
	defaultHostCreateTimeout = 5 * time.Minute
	defaultHostTimeout       = 2 * time.Minute
)

// The application key permission the host routes check (Pelican's name), and the two levels
// the panel's key form offers.
const (
	hostPermission = "database_host"
	hostRead       = "Read"
	hostWrite      = "Read & Write"
)

// noHostAPISummary and noHostAPIDetail refuse database hosts on Pterodactyl, at plan time.
const (
	noHostAPISummary = "Pterodactyl has no database host API"
	noHostAPIDetail  = "Pterodactyl has no database host API: database hosts are made in its admin area " +
		"(Admin → Databases). %s needs a Pelican panel. The provider takes the panel for Pterodactyl because the " +
		"API key is one of Pterodactyl's (ptlc_ or ptla_), or has no prefix, as keys made before prefixes existed " +
		"do; on a Pelican panel, use a key made there (pacc_ or papp_). Nothing was sent to the panel."
)

type databaseHostResource struct {
	data *providerData
}

func newDatabaseHostResource() resource.Resource { return &databaseHostResource{} }

type databaseHostModel struct {
	ID                types.String   `tfsdk:"id"`
	Name              types.String   `tfsdk:"name"`
	Host              types.String   `tfsdk:"host"`
	Port              types.Int64    `tfsdk:"port"`
	Username          types.String   `tfsdk:"username"`
	Password          types.String   `tfsdk:"password"`
	PasswordWO        types.String   `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64    `tfsdk:"password_wo_version"`
	NodeIDs           types.Set      `tfsdk:"node_ids"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// setFromPanel copies what the panel shows of a host. The password and the nodes are never
// shown, so they stay as they are.
func (m *databaseHostModel) setFromPanel(h *panel.DatabaseHost) {
	m.ID = types.StringValue(h.ID)
	m.Name = types.StringValue(h.Name)
	m.Host = types.StringValue(h.Host)
	m.Port = types.Int64Value(int64(h.Port))
	m.Username = types.StringValue(h.Username)
}

// input is what a create or an update sends, without the password.
func (m *databaseHostModel) input(ctx context.Context, diags *diag.Diagnostics) panel.DatabaseHostInput {
	in := panel.DatabaseHostInput{
		Name:     m.Name.ValueString(),
		Host:     m.Host.ValueString(),
		Port:     int(m.Port.ValueInt64()),
		Username: m.Username.ValueString(),
	}
	if !m.NodeIDs.IsNull() && !m.NodeIDs.IsUnknown() {
		var nodes []int64
		diags.Append(m.NodeIDs.ElementsAs(ctx, &nodes, false)...)
		for _, n := range nodes {
			in.NodeIDs = append(in.NodeIDs, int(n))
		}
	}
	return in
}

func (r *databaseHostResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_database_host"
}

func (r *databaseHostResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A database host of a **Pelican** panel: a MySQL/MariaDB server on which the panel " +
			"makes the databases of game servers. Managing hosts needs an administrator's key: an application key " +
			"(`papp_…`) with the `database_host` permission, or a client key of a root admin. Pterodactyl has no " +
			"API for database hosts, so on Pterodactyl this resource is refused at plan time.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The panel's numeric id of the host, such as `3`; `database_host_id` of " +
					"`pterodactyl_server_database` takes it.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The host's name on the panel, up to 255 characters.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 255)},
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "Address the panel connects to: a host name or an IP address. The host's " +
					"databases report it to their users.",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "Port of the MySQL/MariaDB server, from 1 to 65535. Defaults to `3306`.",
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(3306),
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "The MySQL user the panel logs in as to create databases and users, up to " +
					"32 characters.",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, 32)},
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "The MySQL user's password, kept in state (marked sensitive). For Terraform " +
					"before 1.11; on 1.11 and later prefer `password_wo`, which never reaches state. Exactly one of " +
					"`password` and `password_wo` must be set. A change sends the new password.",
				Optional:  true,
				Sensitive: true,
				// One of the two is needed: the panel logs in with it before it saves the host.
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.AtLeastOneOf(path.MatchRoot("password_wo"))},
			},
			"password_wo": schema.StringAttribute{
				MarkdownDescription: "The MySQL user's password, write-only (Terraform 1.11+): sent to the panel " +
					"on create, and on an update only when `password_wo_version` changes; never in plan or state. " +
					"Exactly one of `password` and `password_wo` must be set.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.ConflictsWith(path.MatchRoot("password"))},
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Any number; a change sends `password_wo` to the panel, in place. Until it " +
					"changes, the panel keeps the password it has, whatever `password_wo` says now. Needs `password_wo`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"node_ids": schema.SetAttribute{
				MarkdownDescription: "The ids of the nodes whose servers get their databases on this host; they " +
					"must exist. Without it the host serves no node: databases go on it only when asked for by " +
					"`database_host_id` (Pelican's `node_ids` is `nullable|array`). The panel takes them only when it " +
					"creates the host, so a change replaces the host. The panel does not show them: after an import, " +
					"the first apply records them without a change on the panel.",
				Optional:    true,
				ElementType: types.Int64Type,
				Validators:  []validator.Set{setvalidator.ValueInt64sAre(int64validator.AtLeast(1))},
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplaceIf(replaceKnownNodes,
					"Changing the nodes replaces the host; recording them after an import does not.",
					"Changing the nodes replaces the host; recording them after an import does not."),
				},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Read: true, Update: true, Delete: true,
				CreateDescription: "How long a create may take. Defaults to `5m`. It includes looking for a host " +
					"whose create the panel did not answer.",
				ReadDescription:   "How long a refresh may take. Defaults to `2m`.",
				UpdateDescription: "How long an update may take. Defaults to `2m`.",
				DeleteDescription: "How long a delete may take. Defaults to `2m`.",
			}),
		},
	}
}

// replaceKnownNodes replaces the host when its nodes change. An imported host has no nodes
// in state, since the panel does not show them: the configuration's are recorded then.
func replaceKnownNodes(ctx context.Context, req planmodifier.SetRequest, resp *setplanmodifier.RequiresReplaceIfFuncResponse) {
	made, diags := req.Private.GetKey(ctx, privateMadeHere)
	resp.Diagnostics.Append(diags...)
	// A host this provider made has the nodes state says, none when null; an imported one's
	// are unknown until its configuration records them.
	resp.RequiresReplace = !req.StateValue.IsNull() || len(made) > 0
}

// privateMadeHere marks a database host this provider made, whose nodes state knows even when
// it has none.
const privateMadeHere = "made_here"

func (r *databaseHostResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan refuses the resource on Pterodactyl, before anything is sent.
func (r *databaseHostResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	if r.data.client.Flavor() != panel.Pelican {
		resp.Diagnostics.AddError(noHostAPISummary, fmt.Sprintf(noHostAPIDetail, "pterodactyl_database_host"))
	}
}

// configPassword is the password the configuration gives: password, else password_wo, which
// only the configuration holds. "" when it gives none.
func configPassword(ctx context.Context, plan databaseHostModel, config interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}, diags *diag.Diagnostics,
) string {
	if !plan.Password.IsNull() {
		return plan.Password.ValueString()
	}
	var wo types.String
	diags.Append(config.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	return wo.ValueString()
}

func (r *databaseHostResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan databaseHostModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := plan.Timeouts.Create(ctx, defaultHostCreateTimeout)
	resp.Diagnostics.Append(diags...)
	in := plan.input(ctx, &resp.Diagnostics)
	in.Password = configPassword(ctx, plan, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	op := hostOperation{summary: "Cannot create the database host", access: hostWrite, timeout: "create", limit: limit, wo: plan.Password.IsNull()}
	h, err := r.data.client.CreateDatabaseHost(ctx, in)
	if err != nil {
		op.addError(&resp.Diagnostics, err)
		return
	}
	tflog.Info(ctx, "created database host", map[string]any{"database_host_id": h.ID, "name": h.Name})
	// The rest stays as planned: the panel trims what it stores, and Terraform wants the
	// values it planned back. A refresh shows anything the panel changed.
	plan.ID = types.StringValue(h.ID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(setHostIdentity(ctx, resp.Identity, h.ID)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateMadeHere, []byte("true"))...)
}

func (r *databaseHostResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state databaseHostModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := state.Timeouts.Read(ctx, defaultHostTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	id := state.ID.ValueString()
	// Set first: the framework wants an identity even when the resource leaves state below.
	resp.Diagnostics.Append(setHostIdentity(ctx, resp.Identity, id)...)
	h, err := r.data.client.GetDatabaseHost(ctx, id)
	if panel.IsNotFound(err) {
		tflog.Info(ctx, "database host no longer on the panel; removing it from state", map[string]any{"database_host_id": id})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		op := hostOperation{summary: "Cannot read the database host", id: id, access: hostRead, timeout: "read", limit: limit}
		op.addError(&resp.Diagnostics, err)
		return
	}
	state.setFromPanel(h)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *databaseHostResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state databaseHostModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := plan.Timeouts.Update(ctx, defaultHostTimeout)
	resp.Diagnostics.Append(diags...)
	in := plan.input(ctx, &resp.Diagnostics)
	// The password goes only when it is the change: the panel keeps its own otherwise.
	switch {
	case !plan.PasswordWOVersion.IsNull() && !plan.PasswordWOVersion.Equal(state.PasswordWOVersion):
		in.Password = configPassword(ctx, plan, req.Config, &resp.Diagnostics)
	case !plan.Password.IsNull() && !plan.Password.Equal(state.Password):
		in.Password = plan.Password.ValueString()
	}
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	plan.ID = state.ID
	changed := in.Password != "" || !plan.Name.Equal(state.Name) || !plan.Host.Equal(state.Host) ||
		!plan.Port.Equal(state.Port) || !plan.Username.Equal(state.Username)
	if changed {
		ctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		op := hostOperation{summary: "Cannot update the database host", id: id, access: hostWrite, timeout: "update", limit: limit, wo: plan.Password.IsNull()}
		if _, err := r.data.client.UpdateDatabaseHost(ctx, id, in); err != nil {
			op.addError(&resp.Diagnostics, err)
			return
		}
		tflog.Info(ctx, "updated database host", map[string]any{"database_host_id": id, "password_sent": in.Password != ""})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(setHostIdentity(ctx, resp.Identity, id)...)
}

func (r *databaseHostResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state databaseHostModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := state.Timeouts.Delete(ctx, defaultHostTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	id := state.ID.ValueString()
	if err := r.data.client.DeleteDatabaseHost(ctx, id); err != nil {
		op := hostOperation{summary: "Cannot delete the database host", id: id, access: hostWrite, timeout: "delete", limit: limit, deleting: true}
		op.addError(&resp.Diagnostics, err)
		return
	}
	tflog.Info(ctx, "deleted database host", map[string]any{"database_host_id": id})
}

// ImportState takes the host's id, as the import ID or, on Terraform 1.12 and later, as the
// identity. The host must be on the panel; its password and nodes, which the panel never
// shows, come from the configuration at the next apply.
func (r *databaseHostResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, what := strings.TrimSpace(req.ID), "import ID"
	if id == "" && req.Identity != nil && !req.Identity.Raw.IsNull() {
		var ident databaseHostIdentity
		resp.Diagnostics.Append(req.Identity.Get(ctx, &ident)...)
		if resp.Diagnostics.HasError() {
			return
		}
		id, what = strings.TrimSpace(ident.ID.ValueString()), "identity's id"
	}
	if n, err := strconv.ParseUint(id, 10, 63); err != nil || n == 0 {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("The %s %q is not a database host's id: the panel "+
			"numbers its hosts 1, 2, 3… The pterodactyl_database_hosts data source lists them with their ids.", what, id))
		return
	}
	h, err := r.data.client.GetDatabaseHost(ctx, id)
	if panel.IsNotFound(err) {
		resp.Diagnostics.AddError("Cannot import the database host", fmt.Sprintf("The panel has no database host "+
			"with the id %s. %s", id, r.describeHosts(ctx)))
		return
	}
	if err != nil {
		op := hostOperation{summary: "Cannot import the database host", id: id, access: hostRead}
		op.addError(&resp.Diagnostics, err)
		return
	}
	// The rest is null: the panel never shows the password or the nodes.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), h.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), h.Name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("host"), h.Host)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("port"), int64(h.Port))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("username"), h.Username)...)
	resp.Diagnostics.Append(setHostIdentity(ctx, resp.Identity, h.ID)...)
}

// describeHosts lists the panel's hosts for an error message, as far as the key may list them.
func (r *databaseHostResource) describeHosts(ctx context.Context) string {
	hosts, err := r.data.client.ListDatabaseHosts(ctx)
	if err != nil {
		return "The pterodactyl_database_hosts data source lists the hosts with their ids."
	}
	if len(hosts) == 0 {
		return "It has no database hosts."
	}
	parts := make([]string, 0, len(hosts))
	for _, h := range hosts {
		parts = append(parts, fmt.Sprintf("%s (%s, %s:%d)", h.ID, h.Name, h.Host, h.Port))
	}
	return "It has: " + strings.Join(parts, ", ") + "."
}

// hostOperation describes what Terraform was doing with a database host when the panel said
// no, so that the diagnostic says what to do: which key, which permission, which attribute.
type hostOperation struct {
	summary  string
	id       string        // the host's id; "" on create
	access   string        // hostRead or hostWrite: the permission level the call needs
	timeout  string        // the timeouts block key, "" where there is none
	limit    time.Duration // the timeout in force, when timeout is set
	wo       bool          // the password comes from password_wo
	deleting bool
}

// hostFieldAttribute maps the panel's request fields to the attributes users write.
var hostFieldAttribute = map[string]string{"name": "name", "host": "host", "port": "port", "username": "username", "node_ids": "node_ids"}

func (op hostOperation) addError(diags *diag.Diagnostics, err error) {
	var apiErr *panel.APIError
	if panel.IsValidation(err) && errors.As(err, &apiErr) {
		for _, it := range apiErr.Errors {
			field, _, _ := strings.Cut(it.SourceField, ".")
			attr, ok := hostFieldAttribute[field]
			if field == "password" {
				attr, ok = "password", true
				if op.wo {
					attr = "password_wo"
				}
			}
			if ok {
				diags.AddAttributeError(path.Root(attr), op.summary,
					fmt.Sprintf("The panel refused %s (rule %q): %s", attr, it.Rule, it.Detail))
				continue
			}
			diags.AddError(op.summary, "The panel refused the request: "+it.Detail)
		}
		return
	}
	var inUse *panel.HostInUseError
	if errors.As(err, &inUse) && inUse.Count > 0 {
		dbs := "databases"
		if inUse.Count == 1 {
			dbs = "database"
		}
		diags.AddError(op.summary, fmt.Sprintf("Database host %s still has %d %s; delete them first (or move them to "+
			"another host). The panel cannot delete a host that databases use, so nothing was sent, and the host "+
			"stays in Terraform state. The panel lists a host's databases under Admin → Database Hosts; Terraform "+
			"removes the ones it manages with pterodactyl_server_database.", inUse.HostID, inUse.Count, dbs))
		return
	}
	diags.AddError(op.summary, err.Error()+"\n\n"+op.advice(err))
}

// advice is the sentence that tells a person how to get past err.
func (op hostOperation) advice(err error) string {
	var conn *panel.HostConnectionError
	var inUse *panel.HostInUseError
	var unconfirmed *panel.UnconfirmedCreateError
	switch {
	case errors.Is(err, panel.ErrNoHostAPI):
		return fmt.Sprintf(noHostAPIDetail, "pterodactyl_database_host")
	case errors.As(err, &conn):
		msg := "Nothing was saved on the panel, and Terraform state was kept."
		if op.wo {
			msg += " The password tried was password_wo as the configuration gives it now."
		}
		return msg
	case errors.As(err, &inUse):
		return "Give the API key the server_database permission set to Read, so that the provider can count " +
			"the host's databases before it sends the delete. Terraform state was kept."
	case errors.As(err, &unconfirmed):
		return fmt.Sprintf("The panel may still be creating database host %q, or may have made it already: a create "+
			"is never sent twice, because a second one could make a second host. Nothing was recorded in Terraform "+
			"state. Look for the host on the panel (Admin → Database Hosts, or the pterodactyl_database_hosts data "+
			"source): if it is there, import it with terraform import ADDRESS <id>; if not, run terraform apply "+
			"again.", unconfirmed.Name)
	case panel.IsNotAdmin(err):
		return "Use an application key (Admin → API Keys, papp_…) whose " + hostPermission + " permission is set to " +
			op.access + ", or a client key (pacc_…) of a root admin."
	case ipRestricted(err):
		return ipRestrictedAdvice
	case panel.IsForbidden(err):
		need := "The application key needs the " + hostPermission + " permission set to " + op.access
		if op.deleting {
			need += " (a delete reads the host first, to count its databases)"
		}
		return need + ". Edit the key's permissions under Admin → API Keys, or make a new key with them."
	case panel.IsUnauthorized(err):
		return "The panel did not accept the API key. Check that api_key (or " + EnvAPIKey + ") holds a current key; " +
			"the panel shows a key only once, when it is created."
	case panel.IsNotFound(err):
		return fmt.Sprintf("Database host %s is not on the panel: it was deleted outside Terraform. Run terraform "+
			"apply again: the refresh removes it from state, and the plan creates it anew.", op.id)
	}
	return operation{summary: op.summary, timeout: op.timeout, limit: op.limit}.advice(err)
}
