package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

var _ datasource.DataSourceWithConfigure = (*databaseHostsDataSource)(nil)

type databaseHostsDataSource struct {
	data *providerData
}

func newDatabaseHostsDataSource() datasource.DataSource { return &databaseHostsDataSource{} }

type databaseHostsModel struct {
	Hosts []databaseHostItem `tfsdk:"hosts"`
}

type databaseHostItem struct {
	ID       types.String `tfsdk:"id"`
	Name     types.String `tfsdk:"name"`
	Host     types.String `tfsdk:"host"`
	Port     types.Int64  `tfsdk:"port"`
	Username types.String `tfsdk:"username"`
}

func (d *databaseHostsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_database_hosts"
}

func (d *databaseHostsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every database host of a **Pelican** panel, as the panel lists them. Needs an " +
			"administrator's key: an application key (`papp_…`) with the `database_host` permission set to Read, " +
			"or a client key of a root admin. Pterodactyl has no API for database hosts: there this data source " +
			"is refused before anything is sent.",
		Attributes: map[string]schema.Attribute{
			"hosts": schema.ListNestedAttribute{
				MarkdownDescription: "The hosts, from every page of the panel's list. The panel never shows a " +
					"host's password or its nodes.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{
						MarkdownDescription: "The panel's numeric id of the host, which `database_host_id` and import take.",
						Computed:            true,
					},
					"name":     schema.StringAttribute{MarkdownDescription: "The host's name on the panel.", Computed: true},
					"host":     schema.StringAttribute{MarkdownDescription: "Address the panel connects to.", Computed: true},
					"port":     schema.Int64Attribute{MarkdownDescription: "Port of the MySQL/MariaDB server.", Computed: true},
					"username": schema.StringAttribute{MarkdownDescription: "The MySQL user the panel logs in as.", Computed: true},
				}},
			},
		},
	}
}

func (d *databaseHostsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (d *databaseHostsDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	const summary = "Cannot list the database hosts"
	hosts, err := d.data.client.ListDatabaseHosts(ctx)
	if errors.Is(err, panel.ErrNoHostAPI) {
		resp.Diagnostics.AddError(noHostAPISummary, fmt.Sprintf(noHostAPIDetail, "pterodactyl_database_hosts"))
		return
	}
	if err != nil {
		hostOperation{summary: summary, access: hostRead}.addError(&resp.Diagnostics, err)
		return
	}
	out := databaseHostsModel{Hosts: make([]databaseHostItem, 0, len(hosts))}
	for _, h := range hosts {
		out.Hosts = append(out.Hosts, databaseHostItem{
			ID:       types.StringValue(h.ID),
			Name:     types.StringValue(h.Name),
			Host:     types.StringValue(h.Host),
			Port:     types.Int64Value(int64(h.Port)),
			Username: types.StringValue(h.Username),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}
