package provider

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/ephemeralvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure        = (*serverDatabaseCredentialsEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigValidators = (*serverDatabaseCredentialsEphemeralResource)(nil)
)

// serverDatabaseCredentialsEphemeralResource reads a database's credentials without putting
// them in plan or state (Terraform 1.10+). It only reads: rotation stays with the managed
// resource and the rotate-password action, so opening it twice in one run gives one password.
type serverDatabaseCredentialsEphemeralResource struct {
	data *providerData
}

func newServerDatabaseCredentialsEphemeralResource() ephemeral.EphemeralResource {
	return &serverDatabaseCredentialsEphemeralResource{}
}

type serverDatabaseCredentialsModel struct {
	ServerID      types.String `tfsdk:"server_id"`
	ID            types.String `tfsdk:"id"`
	Name          types.String `tfsdk:"name"`
	DatabaseName  types.String `tfsdk:"database_name"`
	Username      types.String `tfsdk:"username"`
	Password      types.String `tfsdk:"password"`
	Host          types.String `tfsdk:"host"`
	Port          types.Int64  `tfsdk:"port"`
	ConnectionURI types.String `tfsdk:"connection_uri"`
}

func (e *serverDatabaseCredentialsEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_database_credentials"
}

func (e *serverDatabaseCredentialsEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The credentials of one server database, read from the panel each time Terraform needs " +
			"them and never written to plan or state. Needs Terraform 1.10 or later. It only reads: it never " +
			"rotates the password. The API key needs `database.read` and `database.view_password` (Pelican: " +
			"`database.view-password`) on the server.",
		Attributes: map[string]schema.Attribute{
			"server_id": schema.StringAttribute{
				MarkdownDescription: "The server: its 8-character identifier or its full UUID.",
				Required:            true,
				Validators:          []validator.String{serverIDValidator{}},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The panel's id of the database (a hashid on Pterodactyl, a number on Pelican), " +
					"such as `pterodactyl_server_database.app.id`. Set exactly one of `id` and `name`.",
				Optional: true,
				Computed: true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The database name, with or without the panel's `s{N}_` prefix. Set exactly one " +
					"of `id` and `name`. Looked up by `id`, the result holds the name without the prefix.",
				Optional: true,
				Computed: true,
			},
			"database_name": schema.StringAttribute{
				MarkdownDescription: "The full name the panel stores and MySQL knows, `s{N}_<name>`.",
				Computed:            true,
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "The database user.",
				Computed:            true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "The database user's current password.",
				Computed:            true,
				Sensitive:           true,
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "Address of the database host.",
				Computed:            true,
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "Port of the database host.",
				Computed:            true,
			},
			"connection_uri": schema.StringAttribute{
				MarkdownDescription: "A MySQL connection URI, `mysql://<username>:<password>@<host>:<port>/<database_name>`. " +
					"User name, password and database name are percent-encoded: every character other than " +
					"letters, digits, `-`, `.`, `_` and `~` (so a password's `+` is `%2B`, never a space). An IPv6 " +
					"host is put in brackets.",
				Computed:  true,
				Sensitive: true,
			},
		},
	}
}

func (e *serverDatabaseCredentialsEphemeralResource) ConfigValidators(context.Context) []ephemeral.ConfigValidator {
	return []ephemeral.ConfigValidator{
		ephemeralvalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (e *serverDatabaseCredentialsEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (e *serverDatabaseCredentialsEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var cfg serverDatabaseCredentialsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !requireConfigured(e.data, &resp.Diagnostics) {
		return
	}
	server := cfg.ServerID.ValueString()
	db := lookupDatabase(ctx, e.data.client, server, cfg.ID, cfg.Name, "Cannot read the database credentials", &resp.Diagnostics)
	if db == nil {
		return
	}
	if db.PasswordState != panel.PasswordIncluded {
		resp.Diagnostics.Append(hiddenPasswordError(server, db.ID))
		return
	}
	tflog.Debug(ctx, "read server database credentials", map[string]any{"server": server, "database_id": db.ID})
	name := cfg.Name // Terraform requires a configured value back as it was written
	if name.IsNull() {
		name = types.StringValue(panel.ShortName(db.Name))
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &serverDatabaseCredentialsModel{
		ServerID:      cfg.ServerID,
		ID:            types.StringValue(db.ID),
		Name:          name,
		DatabaseName:  types.StringValue(db.Name),
		Username:      types.StringValue(db.Username),
		Password:      types.StringValue(db.Password),
		Host:          types.StringValue(db.Host),
		Port:          types.Int64Value(int64(db.Port)),
		ConnectionURI: types.StringValue(connectionURI(db.Username, db.Password, db.Host, db.Port, db.Name)),
	})...)
}

// hiddenPasswordError is the error for credentials the key may not see. It is an error, not
// a warning with a null password as elsewhere: credentials without the password are of no
// use to whatever consumes them.
func hiddenPasswordError(server, id string) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Password not readable",
		fmt.Sprintf("The API key's user lacks the %s permission (Pelican: %s) on server %s, so the panel does not "+
			"show the password of database %s. Ask the server's owner to grant it to this subuser (Users tab of "+
			"the server), or use the owner's key.", panel.PermissionViewPassword, panel.PermissionViewPasswordPelican, server, id))
}

// requireConfigured reports whether the provider has handed over its client, and says why
// not otherwise. Terraform configures the provider before it opens, lists or invokes
// anything, so this only fails when the provider is driven by hand.
func requireConfigured(data *providerData, diags *diag.Diagnostics) bool {
	if data != nil {
		return true
	}
	diags.AddError("Provider not configured", "The pterodactyl provider was used before it was configured. "+
		"This is a bug in the provider or in the program that runs it.")
	return false
}

// connectionURI builds mysql://user:password@host:port/database. User, password and database
// are percent-encoded outside RFC 3986's unreserved characters: strict, so that no parser
// mistakes a '+' for a space or an '@' for the end of the user information.
func connectionURI(user, password, host string, port int, database string) string {
	return "mysql://" + escapeURIComponent(user) + ":" + escapeURIComponent(password) + "@" +
		net.JoinHostPort(host, strconv.Itoa(port)) + "/" + escapeURIComponent(database)
}

func escapeURIComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
