package provider

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

func apiError(status int, code, detail string) error {
	return &panel.APIError{Operation: "op", StatusCode: status, Errors: []panel.ErrorItem{{Code: code, Detail: detail}}}
}

func TestAdvice(t *testing.T) {
	op := operation{summary: "Cannot create the database", server: "1a7ce997", permission: panel.PermissionCreate, timeout: "create", limit: 10 * time.Minute}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"timeout", fmt.Errorf("create: %w", context.DeadlineExceeded), `create timeout of 10m0s. Raise it in the resource's timeouts block (timeouts { create = "10m" })`},
		{"unauthorized", apiError(401, panel.CodeAuthentication, "Unauthenticated."), "did not accept the API key"},
		{"unauthorized, the other panel's key", &panel.RefusedKeyError{Err: apiError(401, panel.CodeAuthentication, "Unauthenticated."), Prefix: "pacc_", Flavor: panel.Pelican},
			"The key starts with pacc_, which Pelican gives its keys: a key made on one panel is refused by any other, so check that panel_url is the Pelican panel the key was made on."},
		{"application key", apiError(403, panel.CodeAccessDenied, "You are attempting to use an application API key on an endpoint that requires a client API key."), "Create a client API key"},
		{"ip allow-list", apiError(403, panel.CodeAccessDenied, "This IP address (10.0.0.1) does not have permission to access the API using these credentials."), "allowed IPs"},
		{"permission", apiError(403, panel.CodeAccessDenied, "This action is unauthorized."), "lacks the database.create permission on server 1a7ce997"},
		{"not found", apiError(404, panel.CodeNotFound, "The requested resource could not be found on the server."), "Server 1a7ce997 does not exist"},
		{"conflict", apiError(409, panel.CodeServerStateConflict, "This server is currently suspended and the functionality requested is unavailable."), "Terraform state was kept"},
		{"no host", apiError(400, panel.CodeNoSuitableHost, "No database host was found that meets the requirements for this server."), "no database host for this server's node"},
		{"feature off", apiError(500, "DatabaseClientFeatureNotEnabledException", "An unexpected error was encountered"), "Client database management is turned off"},
		{"rate limited", apiError(429, panel.CodeThrottle, "Too Many Attempts."), "with a lower -parallelism, or wait a minute"},
		{"not the panel", &panel.NotPanelError{Operation: "op", URL: "https://x", StatusCode: 200, ContentType: "text/html"}, "Set panel_url"},
		{"transport", &panel.TransportError{Operation: "op", URL: "https://x", Err: errors.New("connection refused")}, "can be reached from this machine"},
		{"server error", apiError(500, "HttpException", "An unexpected error was encountered"), "The panel failed while handling the request"},
		{"request timeout", &panel.TransportError{Operation: "op", URL: "https://x", Err: fmt.Errorf("read: %w", context.DeadlineExceeded)}, "took longer than request_timeout. Raise request_timeout"},
		{"name taken", &panel.NameTakenError{Operation: "op", Server: "1a7ce997", Existing: panel.Database{ID: "bEY4yAD5", Name: "s12_app"}}, `terraform import ADDRESS 1a7ce997/bEY4yAD5, with this resource's address (shown above after "with") for ADDRESS; or an import block with id = "1a7ce997/bEY4yAD5"`},
		{"unconfirmed create", &panel.UnconfirmedCreateError{Operation: "op", Server: "1a7ce997", Name: "app", Lookups: 3,
			Cause: &panel.TransportError{Operation: "op", URL: "https://x", Err: fmt.Errorf("read: %w", context.DeadlineExceeded)}},
			`The panel may still be creating database "app" on server 1a7ce997, or may have made it already: a create is never sent twice`},
		{"unconfirmed create, a database found but not taken", &panel.UnconfirmedCreateError{Operation: "op", Server: "1a7ce997", Name: "app", Lookups: 1,
			Cause: apiError(504, "", ""), Found: []panel.Database{{ID: "bEY4yAD5", Name: "s12_app"}}},
			`now has database s12_app (id bEY4yAD5), but it cannot be told whether this create made it or someone else did at about the same time: the name was last seen free too long before the create was sent. Nothing was recorded in Terraform state, and nothing was sent twice. If the database is this configuration's, import it: terraform import ADDRESS 1a7ce997/bEY4yAD5`},
		{"unconfirmed create without read permission", &panel.UnconfirmedCreateError{Operation: "op", Server: "1a7ce997", Name: "app", Unlisted: true,
			Cause: apiError(504, "", "")}, "lacks the database.read permission, which the provider needs to look for the database"},
		{"host not found", &panel.TransportError{Operation: "op", URL: "https://x", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}},
			"The host name in panel_url (or PTERODACTYL_PANEL_URL) does not exist"},
		{"not TLS", &panel.TransportError{Operation: "op", URL: "https://x", Err: http.ErrSchemeMismatch}, "answered in plain HTTP"},
		{"certificate", &panel.TransportError{Operation: "op", URL: "https://x", Err: x509.UnknownAuthorityError{}}, "set ca_certificate (or PTERODACTYL_CA_CERTIFICATE)"},
		{"other", errors.New("boom"), "Check the panel's message above."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			op.addError(&diags, tc.err)
			if len(diags) != 1 || diags[0].Summary() != op.summary {
				t.Fatalf("diagnostics = %v", diags)
			}
			detail := diags[0].Detail()
			if !strings.Contains(detail, tc.err.Error()) || !strings.Contains(detail, tc.want) {
				t.Fatalf("detail %q\nwant it to contain the error and %q", detail, tc.want)
			}
		})
	}
}

func TestValidationErrorsNameTheAttribute(t *testing.T) {
	err := &panel.APIError{StatusCode: 422, Errors: []panel.ErrorItem{
		{Code: panel.CodeValidation, Detail: "The database must be at least 3 characters.", SourceField: "database", Rule: "min"},
		{Code: panel.CodeValidation, Detail: "The remote format is invalid.", SourceField: "remote", Rule: "regex"},
		{Code: panel.CodeValidation, Detail: "The selected Database Host Server ID is invalid.", SourceField: "host", Rule: "exists"},
		{Code: panel.CodeValidation, Detail: "Something else.", SourceField: "other", Rule: "x"},
	}}
	var diags diag.Diagnostics
	operation{summary: "Cannot create the database"}.addError(&diags, err)
	if len(diags) != 4 {
		t.Fatalf("diagnostics = %v", diags)
	}
	want := []struct {
		path   path.Path
		detail string
	}{
		{path.Root("name"), `The panel refused name (rule "min"): The database must be at least 3 characters.`},
		{path.Root("remote"), `The panel refused remote (rule "regex"): The remote format is invalid.`},
		{path.Root("database_host_id"), `The panel refused database_host_id (rule "exists"): The selected Database Host Server ID is invalid.`},
		{path.Empty(), `The panel refused the request (field "other", rule "x"): Something else.`},
	}
	for i, w := range want {
		withPath, ok := diags[i].(diag.DiagnosticWithPath)
		if w.path.Equal(path.Empty()) {
			if ok {
				t.Errorf("diagnostic %d has a path", i)
			}
		} else if !ok || !withPath.Path().Equal(w.path) {
			t.Errorf("diagnostic %d path = %v, want %s", i, diags[i], w.path)
		}
		if diags[i].Detail() != w.detail {
			t.Errorf("diagnostic %d detail = %q, want %q", i, diags[i].Detail(), w.detail)
		}
	}
}

func TestCountOf(t *testing.T) {
	for n, want := range map[int]string{0: "0 databases", 1: "1 database", 2: "2 databases"} {
		if got := countOf(n, "database"); got != want {
			t.Errorf("countOf(%d) = %q, want %q", n, got, want)
		}
	}
}
