package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// providerFactories serve the provider in-process to the Terraform CLI the tests run.
var providerFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"pterodactyl": providerserver.NewProtocol6WithError(New("test")()),
}

// minTerraform is the oldest Terraform the provider supports; import blocks need it too.
var minTerraform = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_5_0)}

var flavors = []paneltest.Flavor{paneltest.Pterodactyl, paneltest.Pelican}

// testPanel is a fake panel with one server and its owner's key.
type testPanel struct {
	*paneltest.Panel
	server paneltest.Server
	key    string
}

// startPanel starts a fake panel of the flavor, with one server (internal id 12) whose owner
// holds the key every test config uses.
func startPanel(t *testing.T, flavor paneltest.Flavor) *testPanel {
	t.Helper()
	return startPanelWith(t, paneltest.Options{Flavor: flavor})
}

// startPanelWith is startPanel with more panel options; CreateRateLimit is -1 unless set.
func startPanelWith(t *testing.T, opts paneltest.Options) *testPanel {
	t.Helper()
	// Pelican's two creates a minute per server would make replacement tests wait a minute;
	// the pacing has tests of its own.
	if opts.CreateRateLimit == 0 {
		opts.CreateRateLimit = -1
	}
	p := paneltest.Start(t, opts)
	srv := p.AddServer(paneltest.Server{InternalID: 12, Name: "minecraft"})
	key := p.AddKey(paneltest.Key{Servers: map[string][]string{srv.Identifier: {"*"}}})
	return &testPanel{Panel: p, server: srv, key: key}
}

// providerBlock configures the provider for this panel with the given key and any extra
// settings.
func (p *testPanel) providerBlock(key string, settings ...string) string {
	return fmt.Sprintf("provider \"pterodactyl\" {\n  panel_url = %q\n  api_key   = %q\n%s}\n",
		p.URL(), key, strings.Join(append(settings, ""), "\n"))
}

// config is the provider block with the owner's key followed by body, in which SERVER stands
// for the server's short identifier.
func (p *testPanel) config(body string) string {
	return p.configWith("", body)
}

// configWith is config with extra provider settings.
func (p *testPanel) configWith(settings, body string) string {
	return p.providerBlock(p.key, settings) + strings.ReplaceAll(body, "SERVER", p.server.Identifier)
}

// requests checks the panel saw want requests on route in all.
func (p *testPanel) requests(route paneltest.Route, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if n := p.Requests(route); n != want {
			return fmt.Errorf("%s requests = %d, want %d", route, n, want)
		}
		return nil
	}
}

// errorRE matches diagnostics that contain each part in order. Terraform wraps long lines, so
// every space in a part matches any run of white space.
func errorRE(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, part := range parts {
		quoted[i] = strings.ReplaceAll(regexp.QuoteMeta(part), " ", `\s+`)
	}
	return regexp.MustCompile(strings.Join(quoted, `[\s\S]*`))
}

// eachFlavor runs fn once against each panel flavor, in parallel.
func eachFlavor(t *testing.T, fn func(t *testing.T, p *testPanel)) {
	t.Helper()
	for _, flavor := range flavors {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			fn(t, startPanel(t, flavor))
		})
	}
}

func TestProviderConfigurationErrors(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	t.Setenv(EnvPanelURL, "")
	t.Setenv(EnvAPIKey, "")
	data := `data "pterodactyl_server_databases" "all" { server_id = "` + p.server.Identifier + `" }`
	cases := []struct {
		name     string
		provider string
		want     []string
	}{
		{"missing url", `provider "pterodactyl" { api_key = "k" }`, []string{"Missing panel URL", "PTERODACTYL_PANEL_URL"}},
		{"missing key", `provider "pterodactyl" { panel_url = "` + p.URL() + `" }`, []string{"Missing API key", "PTERODACTYL_API_KEY"}},
		{"url without scheme", `provider "pterodactyl" {
  panel_url = "panel.example.com"
  api_key   = "k"
}`, []string{"Invalid panel URL", `has no scheme: write it as https://panel.example.com`}},
		{"bad timeout", `provider "pterodactyl" {
  panel_url       = "` + p.URL() + `"
  api_key         = "k"
  request_timeout = "soon"
}`, []string{"request_timeout must be a positive duration"}},
		{"bad CA", `provider "pterodactyl" {
  panel_url      = "` + p.URL() + `"
  api_key        = "k"
  ca_certificate = "not a certificate"
}`, []string{"ca_certificate", "holds no PEM-encoded certificate"}},
		{"unknown url", `resource "terraform_data" "u" { input = "x" }
provider "pterodactyl" {
  panel_url = terraform_data.u.output
  api_key   = "k"
}`, []string{"Unknown provider setting", "panel_url is not known until apply"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   minTerraform,
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{{
					Config:      tc.provider + "\n" + data,
					ExpectError: errorRE(tc.want...),
				}},
			})
		})
	}
}

func TestProviderReadsEnvironment(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	t.Setenv(EnvPanelURL, p.URL())
	t.Setenv(EnvAPIKey, p.key)
	p.AddDatabase(p.server.Identifier, "app", "%")
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   minTerraform,
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: `data "pterodactyl_server_databases" "all" { server_id = "` + p.server.Identifier + `" }`,
			Check:  resource.TestCheckResourceAttr("data.pterodactyl_server_databases.all", "databases.0.name", "app"),
		}},
	})
}

func TestUserAgent(t *testing.T) {
	if got := userAgent("1.2.3", "1.11.4"); got != "terraform-provider-pterodactyl/1.2.3 Terraform/1.11.4" {
		t.Fatalf("userAgent = %q", got)
	}
	if got := userAgent("dev", ""); got != "terraform-provider-pterodactyl/dev" {
		t.Fatalf("userAgent = %q", got)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "127.0.0.1": true, "::1": true, "127.8.9.1": true,
		"panel.example.com": false, "10.0.0.1": false, "": false,
	} {
		if isLoopback(host) != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, !want, want)
		}
	}
}

// configureWith runs the provider's Configure with the given settings; unset ones are null.
func configureWith(t *testing.T, settings map[string]tftypes.Value) *provider.ConfigureResponse {
	t.Helper()
	ctx := t.Context()
	p := New("test")()
	var schemaResp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &schemaResp)
	objType, ok := schemaResp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("provider schema is not an object")
	}
	values := map[string]tftypes.Value{}
	for name, typ := range objType.AttributeTypes {
		values[name] = tftypes.NewValue(typ, nil)
	}
	for name, v := range settings {
		values[name] = v
	}
	resp := &provider.ConfigureResponse{}
	p.Configure(ctx, provider.ConfigureRequest{
		TerraformVersion: "1.11.4",
		Config:           tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(objType, values)},
	}, resp)
	return resp
}

func TestConfigureWarnsAboutPlainHTTP(t *testing.T) {
	t.Setenv(EnvPanelURL, "")
	t.Setenv(EnvAPIKey, "")
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	cases := map[string]bool{
		"http://panel.example.com":  true,
		"http://10.0.0.5:8080":      true,
		"http://127.0.0.1:8080":     false,
		"http://localhost":          false,
		"http://[::1]:80":           false,
		"https://panel.example.com": false,
	}
	for url, warn := range cases {
		resp := configureWith(t, map[string]tftypes.Value{"panel_url": str(url), "api_key": str("k")})
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", url, resp.Diagnostics)
		}
		warned := resp.Diagnostics.WarningsCount() == 1 &&
			strings.Contains(resp.Diagnostics.Warnings()[0].Detail(), "unencrypted")
		if warned != warn {
			t.Errorf("%s: warned = %v, want %v (%v)", url, warned, warn, resp.Diagnostics)
		}
		if resp.ResourceData == nil || resp.DataSourceData == nil {
			t.Errorf("%s: no client handed to resources", url)
		}
	}
}

func TestConfigureMaxRetriesFromEnvironment(t *testing.T) {
	t.Setenv(EnvPanelURL, "https://panel.example.com")
	t.Setenv(EnvAPIKey, "k")
	for value, ok := range map[string]bool{"0": true, "7": true, "21": false, "-1": false, "many": false} {
		t.Setenv(EnvMaxRetries, value)
		resp := configureWith(t, nil)
		if resp.Diagnostics.HasError() == ok {
			t.Errorf("%s=%s: diagnostics %v", EnvMaxRetries, value, resp.Diagnostics)
		}
	}
}
