package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

var _ datasource.DataSourceWithConfigure = (*serverDatabasesDataSource)(nil)

type serverDatabasesDataSource struct {
	data *providerData
}

func newServerDatabasesDataSource() datasource.DataSource { return &serverDatabasesDataSource{} }

// databaseModel is one database as both data sources show it.
type databaseModel struct {
	ID             types.String `tfsdk:"id"`
	Name           types.String `tfsdk:"name"`
	DatabaseName   types.String `tfsdk:"database_name"`
	Username       types.String `tfsdk:"username"`
	Password       types.String `tfsdk:"password"`
	Host           types.String `tfsdk:"host"`
	Port           types.Int64  `tfsdk:"port"`
	Remote         types.String `tfsdk:"remote"`
	MaxConnections types.Int64  `tfsdk:"max_connections"`
}

func newDatabaseModel(db *panel.Database) databaseModel {
	m := databaseModel{
		ID:             types.StringValue(db.ID),
		Name:           types.StringValue(panel.ShortName(db.Name)),
		DatabaseName:   types.StringValue(db.Name),
		Username:       types.StringValue(db.Username),
		Password:       types.StringNull(),
		Host:           types.StringValue(db.Host),
		Port:           types.Int64Value(int64(db.Port)),
		Remote:         types.StringValue(db.Remote),
		MaxConnections: types.Int64Value(int64(db.MaxConnections)),
	}
	if db.PasswordState == panel.PasswordIncluded {
		m.Password = types.StringValue(db.Password)
	}
	return m
}

// databaseAttributes are the computed attributes of one database, shared by both data
// sources' schemas.
func databaseAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			MarkdownDescription: "The panel's id of the database (a hashid on Pterodactyl, a number on Pelican).",
			Computed:            true,
		},
		"name": schema.StringAttribute{
			MarkdownDescription: "The database name without the panel's `s{N}_` prefix.",
			Computed:            true,
		},
		"database_name": schema.StringAttribute{
			MarkdownDescription: "The full name the panel stores and MySQL knows, `s{N}_<name>`.",
			Computed:            true,
		},
		"username":        schema.StringAttribute{MarkdownDescription: "The database user.", Computed: true},
		"host":            schema.StringAttribute{MarkdownDescription: "Address of the database host.", Computed: true},
		"port":            schema.Int64Attribute{MarkdownDescription: "Port of the database host.", Computed: true},
		"remote":          schema.StringAttribute{MarkdownDescription: "Where the user may connect from.", Computed: true},
		"max_connections": schema.Int64Attribute{MarkdownDescription: "The user's connection limit; `0` means none.", Computed: true},
		"password": schema.StringAttribute{
			MarkdownDescription: "The database user's password, when asked for and the API key may view it; null otherwise.",
			Computed:            true,
			Sensitive:           true,
		},
	}
}

type serverDatabasesModel struct {
	ServerID         types.String    `tfsdk:"server_id"`
	IncludePasswords types.Bool      `tfsdk:"include_passwords"`
	Databases        []databaseModel `tfsdk:"databases"`
}

func (d *serverDatabasesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_databases"
}

func (d *serverDatabasesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every database of a server, in the panel's order. Passwords are null unless " +
			"`include_passwords` is true.",
		Attributes: map[string]schema.Attribute{
			"server_id": schema.StringAttribute{
				MarkdownDescription: "The server: its 8-character identifier or its full UUID.",
				Required:            true,
				Validators:          []validator.String{serverIDValidator{}},
			},
			"include_passwords": schema.BoolAttribute{
				MarkdownDescription: "Also read each database's password. Needs the `database.view_password` " +
					"permission (Pelican: `database.view-password`); without it passwords stay null and a warning " +
					"says so. Defaults to `false`.",
				Optional: true,
			},
			"databases": schema.ListNestedAttribute{
				MarkdownDescription: "The server's databases.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: databaseAttributes()},
			},
		},
	}
}

func (d *serverDatabasesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *serverDatabasesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg serverDatabasesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	server := cfg.ServerID.ValueString()
	withPasswords := cfg.IncludePasswords.ValueBool()
	dbs, err := d.data.client.ListDatabases(ctx, server, withPasswords)
	if err != nil {
		op := operation{summary: "Cannot list the server's databases", server: server, permission: panel.PermissionRead}
		op.addError(&resp.Diagnostics, err)
		return
	}
	cfg.Databases = make([]databaseModel, 0, len(dbs))
	for i := range dbs {
		cfg.Databases = append(cfg.Databases, newDatabaseModel(&dbs[i]))
	}
	if withPasswords {
		warnHiddenPasswords(dbs, server, path.Root("include_passwords"), &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// warnHiddenPasswords warns when passwords were asked for and the panel hid them.
func warnHiddenPasswords(dbs []panel.Database, server string, at path.Path, diags *diag.Diagnostics) {
	for i := range dbs {
		if dbs[i].PasswordState == panel.PasswordHidden {
			diags.AddAttributeWarning(at, "Passwords not readable",
				fmt.Sprintf("The API key's user lacks the %s permission (Pelican: %s) on server %s, so passwords are null.",
					panel.PermissionViewPassword, panel.PermissionViewPasswordPelican, server))
			return
		}
	}
}
