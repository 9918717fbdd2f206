package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

// The servers data sources make servers data: pterodactyl_servers lists the servers the key
// reaches, pterodactyl_server finds one. Both read the panel's server lists, which filter
// partially; exact conditions are compared on what comes back (panel.ListServers).

var (
	_ datasource.DataSourceWithConfigure        = (*serversDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*serverDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*serverDataSource)(nil)
)

// serverModel is one server as both data sources show it.
type serverModel struct {
	Identifier    types.String `tfsdk:"identifier"`
	UUID          types.String `tfsdk:"uuid"`
	InternalID    types.Int64  `tfsdk:"internal_id"`
	Name          types.String `tfsdk:"name"`
	Description   types.String `tfsdk:"description"`
	Node          types.String `tfsdk:"node"`
	ExternalID    types.String `tfsdk:"external_id"`
	DatabaseLimit types.Int64  `tfsdk:"database_limit"`
	Status        types.String `tfsdk:"status"`
	Suspended     types.Bool   `tfsdk:"suspended"`
}

func newServerModel(s *panel.ServerInfo) serverModel {
	m := serverModel{
		Identifier:    types.StringValue(s.Identifier),
		UUID:          types.StringValue(s.UUID),
		InternalID:    types.Int64Value(int64(s.InternalID)),
		Name:          types.StringValue(s.Name),
		Description:   types.StringValue(s.Description),
		Node:          types.StringValue(s.Node),
		ExternalID:    types.StringNull(),
		DatabaseLimit: types.Int64Null(),
		Status:        types.StringNull(),
		Suspended:     types.BoolValue(s.Suspended),
	}
	if s.ExternalIDKnown && s.ExternalID != "" {
		m.ExternalID = types.StringValue(s.ExternalID)
	}
	if s.DatabaseLimit != nil {
		m.DatabaseLimit = types.Int64Value(int64(*s.DatabaseLimit))
	}
	if s.Status != "" {
		m.Status = types.StringValue(s.Status)
	}
	return m
}

// serverAttributes are the computed attributes of one server. inList leaves out the ones a
// pterodactyl_server's configuration may set (it adds them itself).
func serverAttributes(inList bool) map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{
		"uuid": schema.StringAttribute{MarkdownDescription: "The server's full UUID.", Computed: true},
		"internal_id": schema.Int64Attribute{
			MarkdownDescription: "The panel's numeric id of the server: the N in its databases' `s{N}_` prefix, and " +
				"the id the application API addresses it by.",
			Computed: true,
		},
		"description": schema.StringAttribute{MarkdownDescription: "The server's description; empty when it has none.", Computed: true},
		"node": schema.StringAttribute{
			MarkdownDescription: "The server's node: its name with a client key, its numeric id with an application " +
				"key (the two APIs show it so).",
			Computed: true,
		},
		"database_limit": schema.Int64Attribute{
			MarkdownDescription: "How many databases the server may have; null means no limit, `0` none at all.",
			Computed:            true,
		},
		"status": schema.StringAttribute{
			MarkdownDescription: "The server's status as the panel gives it (`installing`, `install_failed`, " +
				"`suspended`, `restoring_backup`), or null when it is installed and running normally.",
			Computed: true,
		},
		"suspended": schema.BoolAttribute{MarkdownDescription: "Whether the server is suspended.", Computed: true},
	}
	if inList {
		attrs["identifier"] = schema.StringAttribute{
			MarkdownDescription: "The server's 8-character identifier, which `server_id` takes.", Computed: true}
		attrs["name"] = schema.StringAttribute{MarkdownDescription: "The server's name.", Computed: true}
		attrs["external_id"] = schema.StringAttribute{
			MarkdownDescription: "The server's external id, with an application key; null with a client key, " +
				"whose API never shows it, and for a server that has none.",
			Computed: true,
		}
	}
	return attrs
}

var scopeAttribute = schema.StringAttribute{
	MarkdownDescription: "Which servers a client key lists: `accessible` (the default: servers the key's user owns " +
		"or is a subuser of), `owner` (only the ones it owns) or `admin-all` (every server on the panel; the " +
		"user must be a root admin, or the list is empty and a warning says why). An application key lists " +
		"every server and takes no scope.",
	Optional:   true,
	Validators: []validator.String{stringvalidator.OneOf(panel.ScopeAccessible, panel.ScopeOwner, panel.ScopeAdminAll)},
}

// listServers runs q, refusing a scope with an application key; nil (with the diagnostic
// added) when it cannot.
func listServers(ctx context.Context, data *providerData, q panel.ServerQuery, summary string, diags *diag.Diagnostics) *panel.ServerList {
	if q.Scope != "" && data.client.Kind() == panel.ApplicationKey {
		diags.AddAttributeError(path.Root("scope"), "scope needs a client key",
			"api_key is an application key, which lists every server on the panel: scope chooses among a client "+
				"key's servers only. Remove scope.")
		return nil
	}
	l, err := data.client.ListServers(ctx, q)
	if err != nil {
		operation{summary: summary}.addError(diags, err)
		return nil
	}
	return l
}

// notAdminDetail explains an empty admin-all list.
const notAdminDetail = "scope = \"admin-all\" lists every server on the panel, which only a root admin may: the " +
	"key's user is not one, and the panel answers such a list with no servers rather than an error. Use " +
	"scope = \"accessible\" (the default) for the servers the user owns or is a subuser of, or an admin's key."

// unsureDetail explains servers a client key's list cannot tell by external id.
func unsureDetail(externalID string, unsure []panel.ServerInfo) string {
	names := make([]string, 0, len(unsure))
	for i := range unsure {
		names = append(names, fmt.Sprintf("%s (%q)", unsure[i].Identifier, unsure[i].Name))
	}
	return fmt.Sprintf("The client API never shows external ids. Its filter matches a server whose external id is "+
		"exactly %q, but also one whose name contains it or whose UUID starts with it, and these servers match "+
		"that way, so their external id cannot be told: %s. Use an application key, which shows external ids, or "+
		"find the server by identifier or name.", externalID, strings.Join(names, ", "))
}

type serversDataSource struct{ data *providerData }

func newServersDataSource() datasource.DataSource { return &serversDataSource{} }

type serversModel struct {
	Name       types.String  `tfsdk:"name"`
	ExternalID types.String  `tfsdk:"external_id"`
	Scope      types.String  `tfsdk:"scope"`
	Servers    []serverModel `tfsdk:"servers"`
}

func (d *serversDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_servers"
}

func (d *serversDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the servers the API key reaches, in the panel's order, following every page: " +
			"a client key's servers (owned, or a subuser's), or every server with an application key. Feed " +
			"`for_each` with it to give each server a database. The servers read here are not read again by the " +
			"resources of the same run.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "Only servers whose name contains this, in any case (the panel's own filter).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"external_id": schema.StringAttribute{
				MarkdownDescription: "Only the server whose external id is exactly this. With a client key, whose API " +
					"never shows external ids, a server whose name contains the value or whose UUID starts with it " +
					"cannot be told apart, and is an error; an application key has no such limit.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"scope": scopeAttribute,
			"servers": schema.ListNestedAttribute{
				MarkdownDescription: "The servers.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: serverAttributes(true)},
			},
		},
	}
}

func (d *serversDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *serversDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg serversModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	q := panel.ServerQuery{NameContains: cfg.Name.ValueString(), ExternalID: cfg.ExternalID.ValueString(), Scope: cfg.Scope.ValueString()}
	l := listServers(ctx, d.data, q, "Cannot list the servers", &resp.Diagnostics)
	if l == nil {
		return
	}
	if len(l.Unsure) > 0 {
		resp.Diagnostics.AddAttributeError(path.Root("external_id"), "External id not confirmed", unsureDetail(q.ExternalID, l.Unsure))
		return
	}
	if l.NotAdmin {
		resp.Diagnostics.AddAttributeWarning(path.Root("scope"), "No servers: the key's user is not a root admin", notAdminDetail)
	}
	cfg.Servers = make([]serverModel, 0, len(l.Servers))
	for i := range l.Servers {
		cfg.Servers = append(cfg.Servers, newServerModel(&l.Servers[i]))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

type serverDataSource struct{ data *providerData }

func newServerDataSource() datasource.DataSource { return &serverDataSource{} }

type oneServerModel struct {
	Identifier    types.String `tfsdk:"identifier"`
	Name          types.String `tfsdk:"name"`
	ExternalID    types.String `tfsdk:"external_id"`
	Scope         types.String `tfsdk:"scope"`
	UUID          types.String `tfsdk:"uuid"`
	InternalID    types.Int64  `tfsdk:"internal_id"`
	Description   types.String `tfsdk:"description"`
	Node          types.String `tfsdk:"node"`
	DatabaseLimit types.Int64  `tfsdk:"database_limit"`
	Status        types.String `tfsdk:"status"`
	Suspended     types.Bool   `tfsdk:"suspended"`
}

func (d *serverDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server"
}

func (d *serverDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := serverAttributes(false)
	attrs["identifier"] = schema.StringAttribute{
		MarkdownDescription: "The server's 8-character identifier or its full UUID, in any case. Exactly one of " +
			"`identifier`, `name` and `external_id`. Once read, the 8-character identifier. Like the others, it is " +
			"looked for among the servers `scope` lists: a root admin's client key finds a server it neither owns " +
			"nor shares with `scope = \"admin-all\"`.",
		Optional: true, Computed: true,
		Validators: []validator.String{serverIDValidator{}},
	}
	attrs["name"] = schema.StringAttribute{
		MarkdownDescription: "The server's exact name. Names are not unique on the panel: when several servers have " +
			"it, the read fails and names them.",
		Optional: true, Computed: true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["external_id"] = schema.StringAttribute{
		MarkdownDescription: "The server's exact external id. With a client key, whose API never shows external " +
			"ids, a server whose name contains the value or whose UUID starts with it cannot be told apart, and is " +
			"an error. Read back with an application key only; null with a client key unless given.",
		Optional: true, Computed: true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["scope"] = scopeAttribute
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds one server by identifier, exact name or exact external id, among the servers the " +
			"API key reaches (see `pterodactyl_servers`), so that `server_id` need not be copied from the panel.",
		Attributes: attrs,
	}
}

func (d *serverDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("identifier"), path.MatchRoot("name"), path.MatchRoot("external_id")),
	}
}

func (d *serverDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *serverDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg oneServerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	q := panel.ServerQuery{Identifier: cfg.Identifier.ValueString(), ExternalID: cfg.ExternalID.ValueString(), Scope: cfg.Scope.ValueString()}
	at, what, value := path.Root("identifier"), "identifier", q.Identifier
	switch {
	case !cfg.Name.IsNull():
		// The panel's name filter is partial: the servers whose name contains the one asked
		// for come back, and name the near misses when none is exact.
		q.NameContains = cfg.Name.ValueString()
		at, what, value = path.Root("name"), "name", q.NameContains
	case !cfg.ExternalID.IsNull():
		at, what, value = path.Root("external_id"), "external id", q.ExternalID
	}
	l := listServers(ctx, d.data, q, "Cannot find the server", &resp.Diagnostics)
	if l == nil {
		return
	}
	found := l.Servers
	if what == "name" {
		found = nil
		for i := range l.Servers {
			if l.Servers[i].Name == value {
				found = append(found, l.Servers[i])
			}
		}
	}
	switch {
	case len(l.Unsure) > 0:
		resp.Diagnostics.AddAttributeError(at, "External id not confirmed", unsureDetail(value, l.Unsure))
		return
	case len(found) == 0:
		detail := fmt.Sprintf("The API key reaches no server with the %s %q%s.", what, value, scopeNote(cfg.Scope))
		if what == "name" && len(l.Servers) > 0 {
			detail += " Servers whose name contains it: " + describeServers(l.Servers, 5) + "."
		}
		if l.NotAdmin {
			detail += " " + notAdminDetail
		}
		resp.Diagnostics.AddAttributeError(at, "Server not found", detail)
		return
	case len(found) > 1:
		resp.Diagnostics.AddAttributeError(at, "Several servers match", fmt.Sprintf(
			"%d servers have the %s %q: %s. Names are not unique on the panel; find the server by identifier or "+
				"external_id instead.", len(found), what, value, describeServers(found, 10)))
		return
	}
	m := newServerModel(&found[0])
	cfg.Identifier, cfg.Name, cfg.UUID, cfg.InternalID = m.Identifier, m.Name, m.UUID, m.InternalID
	cfg.Description, cfg.Node, cfg.DatabaseLimit, cfg.Status, cfg.Suspended = m.Description, m.Node, m.DatabaseLimit, m.Status, m.Suspended
	if !m.ExternalID.IsNull() || cfg.ExternalID.IsNull() {
		cfg.ExternalID = m.ExternalID
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// scopeNote says which servers a client key's lookup was among.
func scopeNote(scope types.String) string {
	if scope.IsNull() {
		return ""
	}
	return fmt.Sprintf(" (scope %q)", scope.ValueString())
}

// describeServers lists up to limit servers for a message.
func describeServers(servers []panel.ServerInfo, limit int) string {
	parts := make([]string, 0, min(len(servers), limit)+1)
	for i := range servers {
		if i == limit {
			parts = append(parts, fmt.Sprintf("and %d more", len(servers)-limit))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%q)", servers[i].Identifier, servers[i].Name))
	}
	return strings.Join(parts, ", ")
}
