// Package provider implements the pterodactyl Terraform provider: its configuration, the
// pterodactyl_server_database resource (with its identity and list resource), the server
// database data sources, the credentials ephemeral resource and the rotate-password action.
// It speaks to the panel only through internal/panel.
package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

// Environment variables read when the matching provider setting is not in the configuration.
const (
	EnvPanelURL           = "PTERODACTYL_PANEL_URL"
	EnvAPIKey             = "PTERODACTYL_API_KEY"
	EnvRequestTimeout     = "PTERODACTYL_REQUEST_TIMEOUT"
	EnvMaxRetries         = "PTERODACTYL_MAX_RETRIES"
	EnvInsecureSkipVerify = "PTERODACTYL_INSECURE_SKIP_VERIFY"
	EnvCACertificate      = "PTERODACTYL_CA_CERTIFICATE"
)

var (
	_ provider.Provider                       = (*pterodactylProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*pterodactylProvider)(nil)
	_ provider.ProviderWithListResources      = (*pterodactylProvider)(nil)
	_ provider.ProviderWithActions            = (*pterodactylProvider)(nil)
)

type pterodactylProvider struct {
	version string
}

// New returns a constructor for the provider at the given version, for providerserver.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &pterodactylProvider{version: version} }
}

type providerModel struct {
	PanelURL           types.String `tfsdk:"panel_url"`
	APIKey             types.String `tfsdk:"api_key"`
	RequestTimeout     types.String `tfsdk:"request_timeout"`
	MaxRetries         types.Int64  `tfsdk:"max_retries"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
	CACertificate      types.String `tfsdk:"ca_certificate"`
}

// providerData is what Configure hands to resources and data sources.
type providerData struct {
	client *panel.Client
	// warned remembers warnings already given in this run, so a missing permission is
	// reported once per server rather than once per database.
	warned sync.Map

	mu sync.Mutex
	// What this walk's plans have seen, so that a create's name check gives the same answer
	// whatever order Terraform plans the resources in:
	//   - claims: the names the databases planned in this walk ask for, by server and name:
	//     the id of the database the resource has or replaces, or "" for a new one;
	//   - held: the databases read in this walk: a database that holds a name a create asks
	//     for is then the resource's own (tainted), not another's (a replacement's create
	//     knows the database it replaces from the plan's private data instead);
	//   - released: the names this plan deletes a database of without its resource asking
	//     for the name again (a destroyed resource, a deposed object, a replacement under
	//     another name), and the database's id.
	//   - owned: the databases planned with their prior state in this walk: one database in
	//     state under two resource addresses (imported twice) is refused.
	claims   map[nameOnServer]string
	held     map[idOnServer]bool
	released map[nameOnServer]string
	owned    map[idOnServer]bool
	// creates are the databases this walk plans to create through the client API, whose
	// creates the panel may throttle per server.
	creates map[nameOnServer]bool
}

// countCreate records that this walk plans to create name on server through the client API,
// and returns how many it plans on that server so far.
func (d *providerData) countCreate(server, name string) int {
	k := nameKey(server, name)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.creates == nil {
		d.creates = map[nameOnServer]bool{}
	}
	d.creates[k] = true
	n := 0
	for c := range d.creates {
		if c.server == k.server {
			n++
		}
	}
	return n
}

type nameOnServer struct{ server, name string }

// nameKey is a name on a server as the panel compares them: a server's identifier and UUID
// are the same server, and names are unique without regard to case ("TX1" is "tx1").
func nameKey(server, name string) nameOnServer {
	return nameOnServer{panel.ServerKey(server), strings.ToLower(name)}
}

type idOnServer struct{ server, id string }

// claim records that a resource asks for name on server; claimant is its database's id, the
// id of the database its create replaces, or "" for a new database. It returns what refuses
// the claim: claimUsedTwice when another resource asks for the name, claimReleased (with the
// id of the database) when this plan deletes a database of that name under another resource.
func (d *providerData) claim(server, name, claimant string) (claimConflict, string) {
	k := nameKey(server, name)
	d.mu.Lock()
	defer d.mu.Unlock()
	if have, ok := d.claims[k]; ok && (claimant == "" || have != claimant) {
		return claimUsedTwice, ""
	}
	if id, ok := d.released[k]; ok && claimant != id {
		return claimReleased, id
	}
	if d.claims == nil {
		d.claims = map[nameOnServer]string{}
	}
	d.claims[k] = claimant
	return claimOK, ""
}

type claimConflict int

const (
	claimOK claimConflict = iota
	claimUsedTwice
	claimReleased
)

// release records that this plan deletes database id, which has name, and that nothing of
// its own asks for the name again. It reports whether a new database of that name was
// planned already.
func (d *providerData) release(server, name, id string) (createdToo bool) {
	k := nameKey(server, name)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.released == nil {
		d.released = map[nameOnServer]string{}
	}
	d.released[k] = id
	have, ok := d.claims[k]
	return ok && have != id
}

// claimFor records that the database made for a claim of name on server has the id id, so
// that later plans of the same resource in this walk, which give that id, match the claim.
func (d *providerData) claimFor(server, name, id string) {
	k := nameKey(server, name)
	d.mu.Lock()
	defer d.mu.Unlock()
	if have, ok := d.claims[k]; ok && have == "" {
		d.claims[k] = id
	}
}

// unclaim frees name on server when the database id that claimed it is deleted.
func (d *providerData) unclaim(server, name, id string) {
	k := nameKey(server, name)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.claims[k] == id {
		delete(d.claims, k)
	}
}

// own records that a resource has database id in state, and reports whether another resource
// planned in this walk has it too.
func (d *providerData) own(server, id string) (twice bool) {
	k := idOnServer{panel.ServerKey(server), id}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.owned[k] {
		return true
	}
	if d.owned == nil {
		d.owned = map[idOnServer]bool{}
	}
	d.owned[k] = true
	return false
}

// holds records a database Terraform holds in state and read in this walk.
func (d *providerData) holds(server, id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.held == nil {
		d.held = map[idOnServer]bool{}
	}
	d.held[idOnServer{panel.ServerKey(server), id}] = true
}

func (d *providerData) isHeld(server, id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.held[idOnServer{panel.ServerKey(server), id}]
}

// listWithout lists the server's databases, and reports whether the list was read and has no
// database id: after a 404 for the database, that tells it is the database, not the server,
// the panel lacks (it answers 404 alike for both).
func (d *providerData) listWithout(ctx context.Context, server, id string) ([]panel.Database, bool) {
	dbs, err := d.client.ListDatabases(ctx, server, false)
	return dbs, err == nil && panel.FindDatabase(dbs, id) == nil
}

// databaseGone is listWithout's verdict alone.
func (d *providerData) databaseGone(ctx context.Context, server, id string) bool {
	_, gone := d.listWithout(ctx, server, id)
	return gone
}

// warnOnce reports whether key has not been warned about yet, and records it.
func (d *providerData) warnOnce(key string) bool {
	_, seen := d.warned.LoadOrStore(key, true)
	return !seen
}

func (p *pterodactylProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "pterodactyl"
	resp.Version = p.version
}

func (p *pterodactylProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the MySQL/MariaDB databases of game servers on a Pterodactyl or Pelican panel, " +
			"through the panel's client API with a client key, or its application API with an application key (admin " +
			"mode, which also manages Pelican's database hosts).",
		Attributes: map[string]schema.Attribute{
			"panel_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the panel, the address of its login page, for example " +
					"`https://panel.example.com`, or `https://example.com/panel` for a panel installed under a path. " +
					"A URL that points into the panel, such as `/admin` or `/api/application`, is refused; a trailing " +
					"`/api/client` is taken off with a warning. May also be set with the `" + EnvPanelURL + "` " +
					"environment variable.",
				Optional: true,
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "An API key. A **client** key (Account → API Credentials; `ptlc_…` on " +
					"Pterodactyl, `pacc_…` on Pelican) works through the client API, for the servers its user can see. " +
					"An **application** key (`ptla_…`, `papp_…`; Admin → Application API / API Keys) works through the " +
					"application API, on every server, and needs `database_host_id` to create databases; see the " +
					"Admin mode guide. May also be set with the `" + EnvAPIKey + "` environment variable.",
				Optional:  true,
				Sensitive: true,
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "How long one HTTP request may take, as a Go duration such as `30s` or `2m`. " +
					"Defaults to `30s`. A create that gets no answer in that time is not sent again: the provider " +
					"lists the server's databases until it appears, within the resource's create timeout. May also " +
					"be set with `" + EnvRequestTimeout + "`.",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "How many times a request is retried after a gateway error (502, 503, 504) or " +
					"a lost or refused connection, with exponential backoff; `0` disables those retries. Defaults to `4`. " +
					"Rate-limited requests (429) are not failures: they are retried when the panel's `Retry-After` " +
					"says, up to 10 times. A create that may have reached the panel is never sent again: the provider " +
					"looks for the database it made instead. From 0 to 20. May also be set with `" + EnvMaxRetries + "`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"insecure_skip_verify": schema.BoolAttribute{
				MarkdownDescription: "Skip verification of the panel's TLS certificate. Only for testing. " +
					"May also be set with `" + EnvInsecureSkipVerify + "`, to `true`, `false`, `1` or `0`; any other " +
					"value is an error.",
				Optional: true,
			},
			"ca_certificate": schema.StringAttribute{
				MarkdownDescription: "PEM-encoded CA certificate(s) to trust for the panel's TLS certificate, in " +
					"addition to the system's. May also be set with `" + EnvCACertificate + "`.",
				Optional: true,
			},
		},
	}
}

func (p *pterodactylProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for name, v := range map[string]interface{ IsUnknown() bool }{
		"panel_url": cfg.PanelURL, "api_key": cfg.APIKey, "request_timeout": cfg.RequestTimeout,
		"max_retries": cfg.MaxRetries, "insecure_skip_verify": cfg.InsecureSkipVerify, "ca_certificate": cfg.CACertificate,
	} {
		if v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown provider setting",
				fmt.Sprintf("The provider cannot be configured because %s is not known until apply. Set it to a "+
					"value known at plan time, or set it through its environment variable.", name))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	url := stringSetting(cfg.PanelURL, EnvPanelURL)
	key := stringSetting(cfg.APIKey, EnvAPIKey)
	if url == "" {
		resp.Diagnostics.AddAttributeError(path.Root("panel_url"), "Missing panel URL",
			"Set panel_url in the provider block or the "+EnvPanelURL+" environment variable to the panel's "+
				"base URL, for example https://panel.example.com.")
	}
	if key == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing API key",
			"Set api_key in the provider block or the "+EnvAPIKey+" environment variable to a client API key "+
				"created under Account → API Credentials on the panel.")
	}
	if resp.Diagnostics.HasError() {
		return
	}
	base, err := panel.ParseURL(url)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("panel_url"), "Invalid panel URL", err.Error()+".")
		return
	}
	if panel.HasAPIPath(url) {
		resp.Diagnostics.AddAttributeWarning(path.Root("panel_url"), "panel_url includes the API path",
			fmt.Sprintf("panel_url (or %s) ends in /api/client, which the provider adds to every request itself; "+
				"it uses %s. Set panel_url to the panel's base URL, the address of its login page.", EnvPanelURL, base.Redacted()))
	}
	if base.Scheme == "http" && !isLoopback(base.Hostname()) {
		resp.Diagnostics.AddAttributeWarning(path.Root("panel_url"), "API key sent without TLS",
			fmt.Sprintf("panel_url %s uses plain http://, so the API key and database passwords cross the network "+
				"unencrypted. Use https:// unless the panel is on this machine.", base.Redacted()))
	}

	settings, diags := readSettings(cfg)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, err := panel.New(panel.Config{
		URL:            base.String(),
		APIKey:         key,
		UserAgent:      userAgent(p.version, req.TerraformVersion),
		RequestTimeout: settings.timeout,
		MaxRetries:     settings.retries,
		HTTPClient:     &http.Client{Transport: settings.transport},
		Logger:         newLogger(key),
	})
	if err != nil {
		resp.Diagnostics.AddError("Cannot configure the panel client", err.Error())
		return
	}
	data := &providerData{client: client}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

type clientSettings struct {
	timeout   time.Duration
	retries   int
	transport *http.Transport
}

// readSettings resolves the optional knobs from configuration or environment.
func readSettings(cfg providerModel) (clientSettings, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := clientSettings{timeout: panel.DefaultRequestTimeout, retries: panel.DefaultMaxRetries}

	if v := stringSetting(cfg.RequestTimeout, EnvRequestTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid request timeout",
				fmt.Sprintf("request_timeout (or %s) must be a positive duration such as \"30s\", got %q.", EnvRequestTimeout, v))
		}
		s.timeout = d
	}
	switch {
	case !cfg.MaxRetries.IsNull():
		s.retries = int(cfg.MaxRetries.ValueInt64())
	case os.Getenv(EnvMaxRetries) != "":
		n, err := strconv.Atoi(os.Getenv(EnvMaxRetries))
		if err != nil || n < 0 || n > 20 {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid retry limit",
				fmt.Sprintf("%s must be a whole number from 0 to 20, got %q.", EnvMaxRetries, os.Getenv(EnvMaxRetries)))
		}
		s.retries = n
	}
	if s.retries == 0 {
		s.retries = -1 // the client reads 0 as "default"; the user meant none
	}

	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	insecure := cfg.InsecureSkipVerify.ValueBool()
	if v := strings.TrimSpace(os.Getenv(EnvInsecureSkipVerify)); cfg.InsecureSkipVerify.IsNull() && v != "" {
		b, ok := parseBool(v)
		if !ok {
			diags.AddAttributeError(path.Root("insecure_skip_verify"), "Invalid "+EnvInsecureSkipVerify,
				fmt.Sprintf("%s must be true, false, 1 or 0, got %q.", EnvInsecureSkipVerify, v))
		}
		insecure = b
	}
	tlsCfg.InsecureSkipVerify = insecure //nolint:gosec // an explicit, documented opt-in for test panels
	if pem := stringSetting(cfg.CACertificate, EnvCACertificate); pem != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(pem)) {
			diags.AddAttributeError(path.Root("ca_certificate"), "Invalid CA certificate",
				"ca_certificate (or "+EnvCACertificate+") holds no PEM-encoded certificate.")
		}
		tlsCfg.RootCAs = pool
	}
	tr, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		tr = &http.Transport{}
	}
	s.transport = tr.Clone()
	s.transport.TLSClientConfig = tlsCfg
	return s, diags
}

// parseBool reads a boolean setting as Terraform users write it: true, false, 1 or 0, in any
// case.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// stringSetting returns the configured value, or else the environment variable's.
func stringSetting(v types.String, env string) string {
	if !v.IsNull() {
		return strings.TrimSpace(v.ValueString())
	}
	return strings.TrimSpace(os.Getenv(env))
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func userAgent(version, terraformVersion string) string {
	ua := "terraform-provider-pterodactyl/" + version
	if terraformVersion != "" {
		ua += " Terraform/" + terraformVersion
	}
	return ua
}

func (p *pterodactylProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newServerDatabaseResource, newDatabaseHostResource}
}

func (p *pterodactylProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newServerDatabasesDataSource, newServerDatabaseDataSource, newDatabaseHostsDataSource,
		newServersDataSource, newServerDataSource}
}

// EphemeralResources need Terraform 1.10 or later; older versions never ask for them.
func (p *pterodactylProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{newServerDatabaseCredentialsEphemeralResource}
}

// ListResources serve terraform query, in Terraform 1.14 and later.
func (p *pterodactylProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{newServerDatabaseListResource}
}

// Actions need Terraform 1.14 or later.
func (p *pterodactylProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{newServerDatabaseRotatePasswordAction}
}
