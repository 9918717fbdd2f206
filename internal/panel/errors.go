package panel

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error codes the panel puts in errors[].code. They are the basenames of the PHP exception
// classes that produced the error.
const (
	CodeValidation          = "ValidationException"
	CodeTooManyDatabases    = "TooManyDatabasesException"
	CodeNoSuitableHost      = "NoSuitableDatabaseHostException"
	CodeDuplicateName       = "DuplicateDatabaseNameException"
	CodeServerStateConflict = "ServerStateConflictException"
	CodeAccessDenied        = "AccessDeniedHttpException"
	CodeNotFound            = "NotFoundHttpException"
	CodeAuthentication      = "AuthenticationException"
	CodeThrottle            = "ThrottleRequestsException"
	// CodeTwoFactorRequired is Pterodactyl's refusal of a key whose user has no second factor
	// on a panel that requires one; only the application API checks it for keys.
	CodeTwoFactorRequired = "TwoFactorAuthRequiredException"
)

// Details the panels answer with, where the code alone does not tell the case.
const (
	// detailApplicationKey is the 403 for an application key on the client API.
	detailApplicationKey = "You are attempting to use an application API key on an endpoint that requires a client API key."
	// detailNotAdmin is the 403 for a user who is not a root admin on the application API.
	detailNotAdmin = "This account does not have permission to access the API."
	// detailTwoFactor is the 400 of CodeTwoFactorRequired.
	detailTwoFactor = "Two-factor authentication is required on this account in order to access this endpoint."
)

// Errors returned before anything is sent.
var (
	// ErrHostRequired means a create through the application API has no database host: that
	// API makes the caller choose one (CreateDatabaseInput.HostID).
	ErrHostRequired = errors.New("the application API creates a database only on a database host chosen by the " +
		"caller, and none was given")
	// ErrNoHostAPI means the panel is Pterodactyl, whose APIs cannot list or manage database
	// hosts: only Pelican's application API can.
	ErrNoHostAPI = errors.New("the panel is Pterodactyl, which has no API for database hosts (Pelican's " +
		"application API has one): manage them in the panel's admin area")
)

// ErrorItem is one element of the panel's error envelope.
type ErrorItem struct {
	Code   string
	Status string
	Detail string
	// SourceField and Rule are set on validation errors (422): the request field that failed
	// and the snake_cased Laravel rule, for example "database" and "min".
	SourceField string
	Rule        string
}

// APIError is an error answer from the panel in its JSON error envelope.
type APIError struct {
	// Operation names what the client was doing, for example "create database".
	Operation string
	Method    string
	Path      string
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Errors holds every element of the envelope; a 422 has one per failed rule, other
	// errors exactly one. It may be empty when the panel sent no envelope.
	Errors []ErrorItem
	// RetryAfter is the wait the panel asked for on a 429, or zero.
	RetryAfter time.Duration
	// Attempts is how many requests were made before giving up.
	Attempts int
}

// Code returns the panel's error code of the first error element, or "".
func (e *APIError) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// Detail returns the details of every error element joined with "; ", or the HTTP status
// text when the panel sent none.
func (e *APIError) Detail() string {
	var parts []string
	for _, it := range e.Errors {
		if it.Detail != "" {
			parts = append(parts, it.Detail)
		}
	}
	if len(parts) == 0 {
		return http.StatusText(e.StatusCode)
	}
	return strings.Join(parts, "; ")
}

// HasRule reports whether a validation error names the given field and rule.
func (e *APIError) HasRule(field, rule string) bool {
	for _, it := range e.Errors {
		if it.SourceField == field && it.Rule == rule {
			return true
		}
	}
	return false
}

func (e *APIError) Error() string {
	code := e.Code()
	if code == "" {
		code = http.StatusText(e.StatusCode)
	}
	msg := fmt.Sprintf("%s: panel answered HTTP %d (%s): %s", e.Operation, e.StatusCode, code, e.Detail())
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return msg
}

// NotPanelError means the answer did not come from the panel's client API: an HTML page, a
// redirect to a login page, a proxy's error page. The body is never included, since it may be
// large or carry unrelated content.
type NotPanelError struct {
	Operation string
	// API is the panel API the request was for: "client API" or "application API".
	API         string
	URL         string
	StatusCode  int
	ContentType string
	// Location is the redirect target when the answer was a redirect.
	Location string
}

func (e *NotPanelError) Error() string {
	var what string
	switch {
	case e.Location != "":
		what = fmt.Sprintf("a redirect (HTTP %d) to %s", e.StatusCode, e.Location)
	case e.ContentType != "":
		what = fmt.Sprintf("HTTP %d with content type %q", e.StatusCode, e.ContentType)
	default:
		what = fmt.Sprintf("HTTP %d with a body that is not JSON", e.StatusCode)
	}
	api := e.API
	if api == "" {
		api = clientAPI.String()
	}
	return fmt.Sprintf("%s: %s does not look like a Pterodactyl or Pelican %s: it answered %s; "+
		"check that panel_url is the panel's base URL (for example https://panel.example.com) and "+
		"that no proxy or login page sits in front of it", e.Operation, e.URL, api, what)
}

// statusIs reports whether err is an APIError with the given status.
func statusIs(err error, status int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == status
}

// codeIs reports whether err is an APIError whose first element has the given code.
func codeIs(err error, code string) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Code() == code
}

// IsNotFound reports whether the panel answered 404: the server or database does not exist,
// or the API key's user cannot see it (the panel never answers 403 for that). It is also true
// where the client decided so from an answer: no server matched a filter of the application
// API exactly, or a database belongs to another server than the one named.
func IsNotFound(err error) bool {
	var gone *goneError
	return statusIs(err, http.StatusNotFound) || errors.As(err, &gone)
}

// goneError is a not-found the client found out itself (IsNotFound).
type goneError struct {
	operation string
	why       string
}

func (e *goneError) Error() string { return e.operation + ": " + e.why }

// ForeignDatabaseError is a database id that the panel has, but on another server than the
// one named. Pterodactyl's application API finds a database by its id on any server, whatever
// server its path names, and would read, reset or delete it (recorded exchanges 093, 094 and
// 096): the client checks each answer's server, and sends nothing that would change such a
// database. It is not a not-found (IsNotFound is false): the database exists, and a resource
// that names it under the wrong server is a mistake to fix, not a database to make again.
type ForeignDatabaseError struct {
	Operation string
	// Server is the server named, as it was given; ServerID its internal id.
	Server   string
	ServerID int
	// ID is the database id asked for; Name the database's stored name (s{N}_…).
	ID   string
	Name string
	// OwnerID is the internal id of the server the database belongs to; Owner its identifier,
	// when the panel told it.
	OwnerID string
	Owner   string
}

func (e *ForeignDatabaseError) Error() string {
	owner := "the server with internal id " + e.OwnerID
	if e.Owner != "" {
		owner = fmt.Sprintf("server %s (internal id %s)", e.Owner, e.OwnerID)
	}
	return fmt.Sprintf("%s: database %s (%s) belongs to %s, not to server %s (internal id %d)",
		e.Operation, e.ID, e.Name, owner, e.Server, e.ServerID)
}

// IsForeignDatabase reports whether err is a database found on another server than the one
// named (*ForeignDatabaseError).
func IsForeignDatabase(err error) bool {
	var f *ForeignDatabaseError
	return errors.As(err, &f)
}

// NotAdminError is the application API refusing a key whose user is not a root admin: a
// client key of an ordinary user, used for what only the application API can do (choosing a
// database's host, database hosts). It wraps the panel's 403, so IsForbidden holds too.
type NotAdminError struct {
	Operation string
	Err       error
}

func (e *NotAdminError) Error() string {
	return fmt.Sprintf("%s: the panel's application API refused the API key because its user is not a panel "+
		"administrator (%q). Choosing a database host and managing database hosts need the key of a root "+
		"admin: an application key, or a client key of a root admin", e.Operation, detailNotAdmin)
}

func (e *NotAdminError) Unwrap() error { return e.Err }

// IsNotAdmin reports that the application API refused the key's user as not an administrator.
func IsNotAdmin(err error) bool {
	var na *NotAdminError
	return errors.As(err, &na)
}

// IsTwoFactorRequired reports that Pterodactyl refused the key because its user has no
// second factor and the panel requires one (400): the user must enable two-factor
// authentication on their account.
func IsTwoFactorRequired(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return false
	}
	return apiErr.Code() == CodeTwoFactorRequired || strings.Contains(apiErr.Detail(), detailTwoFactor)
}

// detailIs reports whether err is an APIError with the given status whose detail is text.
func detailIs(err error, status int, text string) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == status && strings.TrimSpace(apiErr.Detail()) == text
}

// IsConflict reports whether the server's state blocks the request (409): suspended,
// installing, restoring a backup, transferring, or its node is under maintenance.
func IsConflict(err error) bool { return statusIs(err, http.StatusConflict) }

// IsForbidden reports a 403: a missing permission, an application key on the client API, or
// an IP allow-list refusal.
func IsForbidden(err error) bool { return statusIs(err, http.StatusForbidden) }

// IsUnauthorized reports a 401: the API key is missing, unknown or revoked.
func IsUnauthorized(err error) bool { return statusIs(err, http.StatusUnauthorized) }

// IsValidation reports a 422 validation failure.
func IsValidation(err error) bool { return statusIs(err, http.StatusUnprocessableEntity) }

// IsRateLimited reports a 429 that outlasted the client's retries.
func IsRateLimited(err error) bool { return statusIs(err, http.StatusTooManyRequests) }

// IsTooManyDatabases reports that the server's database limit is reached.
func IsTooManyDatabases(err error) bool { return codeIs(err, CodeTooManyDatabases) }

// IsNoSuitableHost reports that the panel has no database host for the server's node.
func IsNoSuitableHost(err error) bool { return codeIs(err, CodeNoSuitableHost) }
