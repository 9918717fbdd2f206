package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

var (
	_ datasource.DataSourceWithConfigure        = (*serverDatabaseDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*serverDatabaseDataSource)(nil)
)

type serverDatabaseDataSource struct {
	data *providerData
}

func newServerDatabaseDataSource() datasource.DataSource { return &serverDatabaseDataSource{} }

type serverDatabaseDataModel struct {
	ServerID       types.String `tfsdk:"server_id"`
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

func (d *serverDatabaseDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_database"
}

func (d *serverDatabaseDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := databaseAttributes()
	attrs["server_id"] = schema.StringAttribute{
		MarkdownDescription: "The server: its 8-character identifier or its full UUID.",
		Required:            true,
		Validators:          []validator.String{serverIDValidator{}},
	}
	attrs["id"] = schema.StringAttribute{
		MarkdownDescription: "The panel's id of the database. Set exactly one of `id` and `name`.",
		Optional:            true,
		Computed:            true,
	}
	attrs["name"] = schema.StringAttribute{
		MarkdownDescription: "The database name, with or without the panel's `s{N}_` prefix. Set exactly one of " +
			"`id` and `name`.",
		Optional: true,
		Computed: true,
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one database of a server, by id or by name, with its credentials. The password " +
			"is null when the API key lacks the `database.view_password` permission (Pelican: " +
			"`database.view-password`).",
		Attributes: attrs,
	}
}

func (d *serverDatabaseDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *serverDatabaseDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *serverDatabaseDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg serverDatabaseDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	server := cfg.ServerID.ValueString()
	db := lookupDatabase(ctx, d.data.client, server, cfg.ID, cfg.Name, "Cannot read the server's databases", &resp.Diagnostics)
	if db == nil {
		return
	}
	warnHiddenPasswords([]panel.Database{*db}, server, path.Root("password"), &resp.Diagnostics)
	m := newDatabaseModel(db)
	resp.Diagnostics.Append(resp.State.Set(ctx, &serverDatabaseDataModel{
		ServerID: cfg.ServerID, ID: m.ID, Name: m.Name, DatabaseName: m.DatabaseName, Username: m.Username,
		Password: m.Password, Host: m.Host, Port: m.Port, Remote: m.Remote, MaxConnections: m.MaxConnections,
	})...)
}
