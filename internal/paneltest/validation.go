package paneltest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// parseInput builds Laravel's $request->input(): query parameters overlaid by the body
// (JSON, or a form). A JSON body that does not parse is the IsValidJson 400.
func parseInput(r *http.Request, body []byte) (map[string]any, *panelError) {
	in := map[string]any{}
	for k, vs := range r.URL.Query() {
		in[k] = vs[len(vs)-1] // PHP keeps the last of repeated keys
	}
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	switch {
	case strings.Contains(ct, "/json") || strings.Contains(ct, "+json"):
		if len(body) == 0 {
			break
		}
		// PHP's json_decode rejects invalid UTF-8, which Go's decoder would let through.
		reason := ""
		switch {
		case !utf8.Valid(body):
			reason = "Malformed UTF-8 characters, possibly incorrectly encoded"
		case !json.Valid(body):
			reason = "Syntax error"
		}
		if reason != "" {
			return nil, newError(http.StatusBadRequest, renderPage, "BadRequestHttpException", msgMalformedJSON+reason)
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber() // keep numbers' text, as validation measures it
		var v any
		_ = dec.Decode(&v)
		if obj, ok := v.(map[string]any); ok {
			for k, x := range obj {
				in[k] = x
			}
		}
	default:
		if mt, _, _ := mime.ParseMediaType(ct); mt == "application/x-www-form-urlencoded" {
			form, _ := url.ParseQuery(string(body))
			for k, vs := range form {
				in[k] = vs[len(vs)-1]
			}
		}
	}
	return in, nil
}

// wantsPassword reports whether the "include" input asks for the password relationship.
func wantsPassword(in map[string]any) bool { return wantsInclude(in, "password") }

// wantsInclude reports whether the "include" input (comma-separated string, or a list) asks
// for the named relationship.
func wantsInclude(in map[string]any, name string) bool {
	var parts []string
	switch v := in["include"].(type) {
	case string:
		parts = strings.Split(v, ",")
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				parts = append(parts, s)
			}
		}
	}
	for _, s := range parts {
		if strings.TrimSpace(s) == name {
			return true
		}
	}
	return false
}

// valueKind is what Laravel's rules see after TrimStrings and ConvertEmptyStringsToNull.
type valueKind int

const (
	valueEmpty  valueKind = iota // null, "", whitespace, [] or {}: fails required
	valueString                  // a (trimmed) string
	valueNumber                  // a JSON number: not a string, but measured by its text
	valueOther                   // a bool, or a non-empty array or object
)

func classify(v any) (string, valueKind) {
	switch v := v.(type) {
	case nil:
		return "", valueEmpty
	case string:
		if t := strings.TrimSpace(v); t != "" {
			return t, valueString
		}
		return "", valueEmpty
	case json.Number:
		return v.String(), valueNumber
	case []any:
		if len(v) == 0 {
			return "", valueEmpty
		}
	case map[string]any:
		if len(v) == 0 {
			return "", valueEmpty
		}
	}
	return "", valueOther
}

var (
	// alphaDash is Laravel's /\A[\pL\pM\pN_-]+\z/u: Unicode letters, marks and digits too
	// ("tëst" is a name; exchange 026).
	alphaDash = regexp.MustCompile(`^[\pL\pM\pN_-]+$`)
	// remotePattern is Database::$validationRules['remote'] (1.8+ and Pelican).
	remotePattern = regexp.MustCompile(`^[\w\-/.%:]+$`)
)

// Laravel's en validation lines as the panel ships them.
const (
	msgDatabaseRequired  = "The database field is required."
	msgDatabaseAlphaDash = "The database may only contain letters, numbers, and dashes."
	msgDatabaseMin       = "The database must be at least 3 characters."
	msgDatabaseMax       = "The database may not be greater than 48 characters."
	msgRemoteRequired    = "The remote field is required."
	msgRemoteString      = "The remote must be a string."
	msgRemoteRegex       = "The remote format is invalid."
)

// validateCreate applies StoreDatabaseRequest's rules. Its unique rule never fires: it asks
// for a row whose name is both the unprefixed input and the prefixed name (Laravel's
// Rule::unique compares the column with the input, and the rule's where clause with the
// prefixed name), so a taken name gets past validation to the controller's 400 (exchanges
// 014, 019). A failed required stops the other
// rules of that field; otherwise every failed rule gives its own error, database first.
func validateCreate(in map[string]any) (name, remote string, errs []errorItem) {
	add := func(field, rule, detail string) {
		e := item("ValidationException", http.StatusUnprocessableEntity, detail)
		e.Meta = &errorMeta{SourceField: field, Rule: rule}
		errs = append(errs, e)
	}
	name, kind := classify(in["database"])
	switch kind {
	case valueEmpty:
		add("database", "required", msgDatabaseRequired)
	case valueOther:
		add("database", "alpha_dash", msgDatabaseAlphaDash)
	default:
		if !alphaDash.MatchString(name) {
			add("database", "alpha_dash", msgDatabaseAlphaDash)
		}
		if n := utf8.RuneCountInString(name); n < 3 {
			add("database", "min", msgDatabaseMin)
		} else if n > 48 {
			add("database", "max", msgDatabaseMax)
		}
	}
	remote, kind = classify(in["remote"])
	switch kind {
	case valueEmpty:
		add("remote", "required", msgRemoteRequired)
	case valueString:
		if !remotePattern.MatchString(remote) {
			add("remote", "regex", msgRemoteRegex)
		}
	default:
		add("remote", "string", msgRemoteString)
		if kind == valueOther || !remotePattern.MatchString(remote) {
			add("remote", "regex", msgRemoteRegex)
		}
	}
	return name, remote, errs
}
