package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

// operation describes what Terraform was doing when the panel said no, so the diagnostic can
// say what to do: which permission, which timeout, which attribute.
type operation struct {
	summary    string // e.g. "Cannot create the database"
	server     string
	permission string        // the panel permission the call needs
	timeout    string        // the timeouts block key, "" for data sources
	limit      time.Duration // the timeout in force, when timeout is set
}

// fieldAttribute maps the fields of the panel's database create, on either API, to the
// attributes users write: the application API calls the host "host" (its 422 for an unknown
// one is "The selected Database Host Server ID is invalid.", meta.source_field "host").
var fieldAttribute = map[string]string{"database": "name", "remote": "remote", "host": "database_host_id"}

// addError appends a diagnostic for err that says what happened and what to do about it.
func (op operation) addError(diags *diag.Diagnostics, err error) {
	var apiErr *panel.APIError
	if panel.IsValidation(err) && errors.As(err, &apiErr) {
		for _, it := range apiErr.Errors {
			if attr, ok := fieldAttribute[it.SourceField]; ok {
				diags.AddAttributeError(path.Root(attr), op.summary,
					fmt.Sprintf("The panel refused %s (rule %q): %s", attr, it.Rule, it.Detail))
				continue
			}
			diags.AddError(op.summary, fmt.Sprintf("The panel refused the request (field %q, rule %q): %s",
				it.SourceField, it.Rule, it.Detail))
		}
		return
	}
	diags.AddError(op.summary, err.Error()+"\n\n"+op.advice(err))
}

// unconfirmedAdvice tells what to do after a create that may have reached the panel but was
// neither answered nor found.
func (op operation) unconfirmedAdvice(u *panel.UnconfirmedCreateError) string {
	if len(u.Found) > 0 {
		db := u.Found[0]
		return fmt.Sprintf("The panel did not answer the create, and server %s now has database %s (id %s), but "+
			"it cannot be told whether this create made it or someone else did at about the same time: the name "+
			"was last seen free too long before the create was sent. Nothing was recorded in Terraform state, and "+
			"nothing was sent twice. If the database is this configuration's, import it: terraform import ADDRESS "+
			"%s/%s, with this resource's address (shown above after \"with\"); or an import block with id = "+
			"\"%s/%s\". Otherwise choose another name.", u.Server, db.Name, db.ID, u.Server, db.ID, u.Server, db.ID)
	}
	msg := fmt.Sprintf("The panel may still be creating database %q on server %s, or may have made it already: "+
		"a create is never sent twice, because a second one could make a second database. Nothing was recorded in "+
		"Terraform state. Run terraform apply again once the panel has had time to finish: if the database exists "+
		"by then, the apply sends nothing and gives the command to import it; if it does not, the apply creates it.",
		u.Name, u.Server)
	if u.Unlisted {
		return msg + " The API key lacks the " + panel.PermissionRead + " permission, which the provider needs to " +
			"look for the database; check the server's Databases tab on the panel instead."
	}
	msg += " A panel that is slow to create databases needs more time: raise request_timeout (or " + EnvRequestTimeout +
		"), which bounds each request"
	if op.timeout != "" {
		msg += fmt.Sprintf(", and the %s timeout of %s in the resource's timeouts block", op.timeout, op.limit)
	}
	return msg + "."
}

// countOf is n and the noun, plural unless n is 1: "1 database", "3 databases".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// ipRestrictedAdvice answers a key the panel refuses from this machine's address.
const ipRestrictedAdvice = "The API key only allows requests from some IP addresses. Add this machine's address to " +
	"the key's allowed IPs on the panel, or use a key without that restriction."

// ipRestricted reports the panel refusing the key because of the address the request came from.
func ipRestricted(err error) bool {
	var apiErr *panel.APIError
	return panel.IsForbidden(err) && errors.As(err, &apiErr) && strings.Contains(apiErr.Detail(), "IP address")
}

// foreignAdvice explains a database id that is another server's than the one named.
func foreignAdvice(f *panel.ForeignDatabaseError) string {
	where, fix := "the server with internal id "+f.OwnerID, "Set server_id to that server's identifier"
	if f.Owner != "" {
		where = "server " + f.Owner
		fix = fmt.Sprintf("Set server_id to %s (terraform import ADDRESS %s/%s)", f.Owner, f.Owner, f.ID)
	}
	return fmt.Sprintf("Database %s (%s) is on %s, not on server %s. Pterodactyl's application API reaches a "+
		"database through any server's path, so the provider checks the server of every answer and sends nothing "+
		"that would read, rotate or delete another server's database. %s, or name a database of server %s.",
		f.ID, f.Name, where, f.Server, fix, f.Server)
}

// advice is the sentence that tells a person how to get past err.
func (op operation) advice(err error) string {
	var apiErr *panel.APIError
	var notPanel *panel.NotPanelError
	var transport *panel.TransportError
	var taken *panel.NameTakenError
	var unconfirmed *panel.UnconfirmedCreateError
	var foreign *panel.ForeignDatabaseError
	switch {
	case errors.As(err, &unconfirmed):
		return op.unconfirmedAdvice(unconfirmed)
	case errors.As(err, &foreign):
		return foreignAdvice(foreign)
	case panel.TransportCauseOf(err) == panel.CauseHostNotFound:
		return "The host name in panel_url (or " + EnvPanelURL + ") does not exist: DNS has no record of it. " +
			"Check panel_url for a typo; it is the address you open the panel at in a browser."
	case panel.TransportCauseOf(err) == panel.CauseNotTLS:
		return "panel_url starts with https://, but the server at that address answered in plain HTTP. Use the " +
			"panel's HTTPS address, or http:// only for a panel on this machine or a trusted network."
	case panel.TransportCauseOf(err) == panel.CauseCertificate:
		return "The panel's TLS certificate was not accepted. If the panel uses a private or self-signed " +
			"certificate, set ca_certificate (or " + EnvCACertificate + ") to the CA that signed it; check that " +
			"the host name in panel_url is one the certificate names, and that the certificate has not expired."
	case errors.As(err, &transport) && errors.Is(err, context.DeadlineExceeded):
		return "A single request to the panel took longer than request_timeout. Raise request_timeout (or " +
			EnvRequestTimeout + ") in the provider configuration, or check the panel's health."
	case errors.As(err, &taken):
		return fmt.Sprintf("The database was made after this plan was made. To manage it with this resource, import "+
			"it: terraform import ADDRESS %s/%s, with this resource's address (shown above after \"with\") for "+
			"ADDRESS; or an import block with id = \"%s/%s\". Or choose another name.",
			taken.Server, taken.Existing.ID, taken.Server, taken.Existing.ID)
	case errors.Is(err, context.DeadlineExceeded) && op.timeout != "":
		return fmt.Sprintf("The operation did not finish within its %s timeout of %s. Raise it in the resource's "+
			"timeouts block (timeouts { %s = \"10m\" }), or check the panel's health. Terraform state was left as "+
			"it was before this operation.", op.timeout, op.limit, op.timeout)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return "The operation was interrupted before the panel answered."
	case panel.IsUnauthorized(err):
		msg := "The panel did not accept the API key. Check that api_key (or " + EnvAPIKey + ") holds a current " +
			"client API key; the panel shows a key only once, when it is created under Account → API Credentials."
		var refused *panel.RefusedKeyError
		if errors.As(err, &refused) {
			msg += fmt.Sprintf(" The key starts with %s, which %s gives its keys: a key made on one panel is refused "+
				"by any other, so check that panel_url is the %s panel the key was made on.", refused.Prefix, refused.Flavor, refused.Flavor)
		}
		return msg
	case panel.IsNotAdmin(err):
		return "Choosing database_host_id and managing database hosts use the panel's application API, which takes " +
			"an application key (ptla_ on Pterodactyl, papp_ on Pelican) or a client key of a root admin. This key's " +
			"user is not an admin. Use an application key, or an admin's client key."
	case panel.IsTwoFactorRequired(err):
		return "The panel requires two-factor authentication, and the key's user has not set it up, so the " +
			"application API refuses every request. Enable two-step verification for that user (Account → Two-Step " +
			"Verification), or use a key of a user who has."
	case panel.IsForbidden(err) && errors.As(err, &apiErr) && strings.Contains(apiErr.Path, "/api/application/database-hosts"):
		return "The application key lacks the database host permission it needs: Read to read hosts, Read & Write " +
			"to change them (database_host on Pelican). Give it under Admin → API Credentials, or create a key " +
			"that has it."
	case panel.IsForbidden(err) && errors.As(err, &apiErr) && strings.Contains(apiErr.Path, "/api/application/"):
		return "The application key lacks a permission this needs: Read on servers to find the server, and Read " +
			"(Read & Write to create, rotate or delete) on server databases: r_servers and r_server_databases on " +
			"Pterodactyl, server and server_database on Pelican. Give them under Admin → API Credentials (Admin → " +
			"API Keys on Pelican), or create a key that has them."
	case panel.IsForbidden(err) && errors.As(err, &apiErr) && strings.Contains(apiErr.Detail(), "application API key"):
		return "api_key holds an application (admin) key. Create a client API key under Account → API Credentials " +
			"(it starts with ptlc_ on Pterodactyl, pacc_ on Pelican) and use that instead."
	case ipRestricted(err):
		return ipRestrictedAdvice
	case panel.IsForbidden(err):
		return fmt.Sprintf("The API key's user lacks the %s permission on server %s. Ask the server's owner to grant "+
			"it to this subuser (Users tab of the server), or use the owner's key.", op.permission, op.server)
	case panel.IsNotFound(err):
		return fmt.Sprintf("Server %s does not exist, or the API key's user has no access to it: the panel answers "+
			"404 for both. server_id takes the server's 8-character identifier or its full UUID, as shown in the "+
			"panel's address bar.", op.server)
	case panel.IsConflict(err):
		return "The panel refuses database operations while a server is suspended, installing, restoring a backup, " +
			"being transferred, or while its node is under maintenance. Nothing was changed and Terraform state was " +
			"kept; run Terraform again once the server is available."
	case panel.IsNoSuitableHost(err):
		return "The panel has no database host for this server's node. A panel administrator must add one " +
			"(Admin → Databases) or allow databases on hosts of other nodes."
	case errors.As(err, &apiErr) && apiErr.Code() == "DatabaseClientFeatureNotEnabledException":
		return "Client database management is turned off on this panel (PTERODACTYL_CLIENT_DATABASES_ENABLED, or " +
			"PANEL_CLIENT_DATABASES_ENABLED on Pelican). A panel administrator must turn it on."
	case panel.IsRateLimited(err):
		return "The panel kept answering 429 Too Many Attempts, past the waits it asked for. Run Terraform with a " +
			"lower -parallelism, or wait a minute and try again."
	case errors.As(err, &notPanel):
		return "Set panel_url (or " + EnvPanelURL + ") to the panel's own base URL."
	case errors.As(err, &transport):
		return "Check panel_url, that the panel can be reached from this machine, and the TLS settings " +
			"(ca_certificate, insecure_skip_verify) if the panel uses a private certificate."
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 500:
		return "The panel failed while handling the request. Its log (storage/logs on the panel) has the cause; " +
			"Terraform state was kept."
	}
	return "Check the panel's message above."
}
