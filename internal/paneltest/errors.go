package paneltest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
)

// The panel's exact texts (panel-api.md sections 2 to 8).
const (
	msgUnauthenticated      = "Unauthenticated."
	msgUnauthorized         = "This action is unauthorized."
	msgApplicationKey       = "You are attempting to use an application API key on an endpoint that requires a client API key."
	msgModelNotFound        = "The requested resource could not be found on the server."
	msgServerAccessNotFound = "The requested resource does not exist on this server."
	msgNotForThisServer     = "The requested resource was not found for this server."
	msgTooManyAttempts      = "Too Many Attempts."
	msgTooManyDatabases     = "Operation aborted: creating a new database would put this server over the defined limit."
	msgNoHost               = "No database host was found that meets the requirements for this server."
	msgUnexpected           = "An unexpected error was encountered while processing this request, please try again."
	msgMalformedJSON        = "The JSON data passed in the request appears to be malformed: "
	msgSuspended            = "This server is currently suspended and the functionality requested is unavailable."
	msgNodeMaintenance      = "The node of this server is currently under maintenance and the functionality requested is unavailable."
	msgNotInstalled         = "This server has not yet completed its installation process, please try again later."
	msgRestoring            = "This server is currently restoring from a backup, please try again later."
	msgTransferring         = "This server is currently being transferred to a new machine, please try again later."
	msgIPNotAllowed         = "This IP address (%s) does not have permission to access the API using these credentials."
	msgNoAPIAccess          = "This account does not have permission to access the API."
	msgTwoFactorRequired    = "Two-factor authentication is required on this account in order to access this endpoint."
	msgDuplicateDatabase    = "A database with that name already exists for this server."
)

// errorItem is one element of the {"errors":[...]} envelope.
type errorItem struct {
	Code   string     `json:"code"`
	Status string     `json:"status"`
	Detail string     `json:"detail"`
	Meta   *errorMeta `json:"meta,omitempty"`
}

// errorMeta is present only on 422 elements.
type errorMeta struct {
	SourceField string `json:"source_field"`
	Rule        string `json:"rule"`
}

type envelope struct {
	Errors []errorItem `json:"errors"`
}

// renderKind is how an error is shown to a client that does not accept JSON (Laravel's
// expectsJson() is false): each exception type renders differently there.
type renderKind int

const (
	renderPage  renderKind = iota // HTTP exceptions: an HTML error page
	renderLogin                   // AuthenticationException: 302 to the login page
	renderBack                    // ValidationException and DisplayException: 302 back
)

// panelError is a response the panel produces from an exception.
type panelError struct {
	status int
	render renderKind
	items  []errorItem
}

func item(code string, status int, detail string) errorItem {
	return errorItem{Code: code, Status: strconv.Itoa(status), Detail: detail}
}

func newError(status int, render renderKind, code, detail string) *panelError {
	return &panelError{status: status, render: render, items: []errorItem{item(code, status, detail)}}
}

func errUnauthenticated() *panelError {
	return newError(http.StatusUnauthorized, renderLogin, "AuthenticationException", msgUnauthenticated)
}

func errForbidden(detail string) *panelError {
	return newError(http.StatusForbidden, renderPage, "AccessDeniedHttpException", detail)
}

func errNotFound(detail string) *panelError {
	return newError(http.StatusNotFound, renderPage, "NotFoundHttpException", detail)
}

func errThrottled() *panelError {
	return newError(http.StatusTooManyRequests, renderPage, "ThrottleRequestsException", msgTooManyAttempts)
}

// errDisplay is a DisplayException: a 400 whose message is meant for the user.
func errDisplay(code, detail string) *panelError {
	return newError(http.StatusBadRequest, renderBack, code, detail)
}

func routeNotFound(r *http.Request) *panelError {
	return errNotFound(fmt.Sprintf("The route %s could not be found.", laravelPath(r)))
}

func methodNotAllowed(r *http.Request, allow []string) *panelError {
	detail := fmt.Sprintf("The %s method is not supported for route %s. Supported methods: %s.",
		r.Method, laravelPath(r), strings.Join(allow, ", "))
	return newError(http.StatusMethodNotAllowed, renderPage, "MethodNotAllowedHttpException", detail)
}

// laravelPath is Request::path(): the path without surrounding slashes, or "/".
func laravelPath(r *http.Request) string {
	if p := strings.Trim(r.URL.Path, "/"); p != "" {
		return p
	}
	return "/"
}

// wantsJSON is Laravel's expectsJson(): an Accept header naming a JSON type, or an XHR.
func wantsJSON(r *http.Request) bool {
	accept := strings.ToLower(strings.Join(r.Header.Values("Accept"), ","))
	return strings.Contains(accept, "/json") || strings.Contains(accept, "+json") ||
		r.Header.Get("X-Requested-With") == "XMLHttpRequest"
}

// writeJSON writes a successful or error body; the panel always answers JSON on success.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError renders e for the request's Accept header. Headers already set on w (Allow,
// rate-limit headers) are kept.
func (p *Panel) writeError(w http.ResponseWriter, r *http.Request, e *panelError) {
	if wantsJSON(r) {
		writeJSON(w, e.status, envelope{Errors: e.items})
		return
	}
	switch e.render {
	case renderLogin:
		redirect(w, baseURL(r)+p.loginPath())
	case renderBack:
		back := r.Header.Get("Referer")
		if back == "" {
			back = baseURL(r) // url("/"): Laravel trims the slash (exchange 066)
		}
		redirect(w, back)
	default:
		writePage(w, e.status)
	}
}

// loginPath is where an unauthenticated browser is sent: the Blade login on Pterodactyl,
// the Filament one on Pelican.
func (p *Panel) loginPath() string {
	if p.opts.Flavor == Pelican {
		return "/login"
	}
	return "/auth/login"
}

// baseURL is the panel root as the client addressed it, as Laravel's url() builds it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func redirect(w http.ResponseWriter, to string) {
	w.Header().Set("Location", to)
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(http.StatusFound)
	esc := html.EscapeString(to)
	_, _ = fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta charset=\"UTF-8\" /><meta http-equiv=\"refresh\" content=\"0;url='%s'\" /><title>Redirecting to %s</title></head><body>Redirecting to <a href=\"%s\">%s</a>.</body></html>\n", esc, esc, esc, esc)
}

// writePage imitates Laravel's generic HTML error view.
func writePage(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(status)
	text := http.StatusText(status)
	_, _ = fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title></head><body><div class=\"code\">%d</div><div class=\"message\">%s</div></body></html>\n", text, status, text)
}
