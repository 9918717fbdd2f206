package paneltest_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest/transcript"
)

// knownGaps are the differences between the fake panel and the recorded Pterodactyl 1.11.8
// panel that the fake keeps on purpose, by exchange number and place, each with its reason.
// A gap that no longer shows fails the test too, so that the list stays true.
var knownGaps = map[string]string{}

// TestConformance replays every exchange recorded from a real Pterodactyl 1.11.8 panel
// against the fake one, seeded like the real one (its servers, database host and keys), and
// compares the answers: the status; the error codes, details and meta (rule, source_field);
// the JSON shape (the same keys at every level, the same types, null where the panel says
// null); and the headers a client reads (rate limit, Allow, Location, Content-Type). Values
// that differ by nature (ids, passwords, user names, timestamps, the remaining count) are
// compared by form. Exchanges recorded with APP_DEBUG=true are compared in their production
// shape: the fake answers as production panels do.
func TestConformance(t *testing.T) {
	dir := transcript.Dir(t, transcript.Pterodactyl1118)
	exchanges := transcript.Load(t, dir)
	r := transcript.NewReplayer(t, exchanges)
	seen := map[string]bool{}
	for _, e := range exchanges {
		a := r.Replay(e)
		for _, d := range compareAnswer(a) {
			key := e.Number + " " + d.where
			if reason, ok := knownGaps[key]; ok {
				seen[key] = true
				t.Logf("%s: known gap at %s (%s): recorded %s, fake %s", e.File, d.where, reason, d.recorded, d.got)
				continue
			}
			t.Errorf("%s: %s differs: the real panel answered %s, the fake %s\n  (%s)", e, d.where, d.recorded, d.got, e.Title)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(knownGaps)) {
		if !seen[key] {
			t.Errorf("known gap %q no longer differs: remove it from knownGaps", key)
		}
	}
}

// difference is one place where the fake's answer is not the real one's.
type difference struct {
	where, recorded, got string
}

// compareAnswer lists the differences between a's answer and the recorded one.
func compareAnswer(a transcript.Answer) []difference {
	e := a.Exchange
	var out []difference
	add := func(where string, recorded, got any) {
		out = append(out, difference{where, fmt.Sprint(recorded), fmt.Sprint(got)})
	}
	if a.Status != e.Response.Status {
		add("status", e.Response.Status, a.Status)
	}
	out = append(out, compareHeaders(e, a)...)
	switch {
	case e.JSONBody():
		var rec, got any
		if err := json.Unmarshal(e.Response.Body, &rec); err != nil {
			add("body", "JSON", "a recording that is not JSON: "+err.Error())
			break
		}
		if err := json.Unmarshal(a.Body, &got); err != nil {
			add("body", "JSON", fmt.Sprintf("not JSON: %.80q", a.Body))
			break
		}
		if e.Debug() {
			rec = productionShape(rec)
		}
		c := comparer{origin: a.Origin, object: objectOf(rec), path: [2]string{trimSlashes(e.Request.Path), trimSlashes(a.Path)}}
		c.value("body", rec, got, "")
		out = append(out, c.diffs...)
	case strings.HasPrefix(e.Response.BodyKind, "empty"):
		if len(a.Body) != 0 {
			add("body", "empty", fmt.Sprintf("%.80q", a.Body))
		}
	default: // an HTML page
		if json.Valid(a.Body) || len(a.Body) == 0 {
			add("body", "an HTML page", fmt.Sprintf("%.80q", a.Body))
		}
	}
	return out
}

// The answer headers a client reads, and how each is compared.
var comparedHeaders = []struct {
	name   string
	byForm bool // a number that changes from one answer to the next
}{
	{"Content-Type", false}, {"X-RateLimit-Limit", false}, {"X-RateLimit-Remaining", true},
	{"Retry-After", true}, {"X-RateLimit-Reset", true}, {"Allow", false}, {"Location", false},
}

func compareHeaders(e *transcript.Exchange, a transcript.Answer) []difference {
	var out []difference
	for _, h := range comparedHeaders {
		rec, recOK := e.Response.Headers[h.name]
		got, gotOK := a.Header.Get(h.name), len(a.Header.Values(h.name)) > 0
		where := "header " + h.name
		rec = strings.ReplaceAll(rec, transcript.RecordedOrigin, a.Origin)
		switch {
		case recOK != gotOK:
			out = append(out, difference{where, presence(recOK, rec), presence(gotOK, got)})
		case !recOK:
		case h.byForm:
			if _, err := strconv.ParseUint(got, 10, 63); err != nil {
				out = append(out, difference{where, rec + " (a number)", got})
			}
		case h.name == "Content-Type" && strings.EqualFold(rec, got):
		case rec != got:
			out = append(out, difference{where, rec, got})
		}
	}
	return out
}

func presence(ok bool, v string) string {
	if !ok {
		return "no header"
	}
	return strconv.Quote(v)
}

// productionShape is a recorded APP_DEBUG=true error body as a production panel sends it:
// without source and trace, and with the detail that production gives each code.
func productionShape(body any) any {
	m, ok := body.(map[string]any)
	if !ok {
		return body
	}
	items, _ := m["errors"].([]any)
	for _, it := range items {
		item, ok := it.(map[string]any)
		if !ok {
			continue
		}
		delete(item, "source")
		if meta, ok := item["meta"].(map[string]any); ok {
			delete(meta, "trace")
			delete(meta, "previous")
			if len(meta) == 0 {
				delete(item, "meta")
			}
		}
		if detail, ok := productionDetail[fmt.Sprint(item["code"])]; ok {
			item["detail"] = detail
		}
	}
	return m
}

// productionDetail is the detail a production panel gives the errors whose debug detail is
// the raw exception message (the same codes recorded with APP_DEBUG=false: 010, 053, 027).
var productionDetail = map[string]string{
	"NotFoundHttpException":   "The requested resource could not be found on the server.",
	"AuthenticationException": "Unauthenticated.",
	"QueryException":          "An unexpected error was encountered while processing this request, please try again.",
}

func objectOf(v any) string {
	if m, ok := v.(map[string]any); ok {
		s, _ := m["object"].(string)
		return s
	}
	return ""
}

// comparer walks a recorded JSON value and the fake's side by side.
type comparer struct {
	origin string    // the fake's origin, in place of the recorded one
	path   [2]string // the recorded request path and the fake's (its database ids), as Laravel names routes
	object string    // the top-level object kind ("user", "list", …)
	diffs  []difference
}

func (c *comparer) add(where string, recorded, got any) {
	c.diffs = append(c.diffs, difference{where, describe(recorded), describe(got)})
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 120 {
		return string(b[:117]) + "..."
	}
	return string(b)
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return fmt.Sprintf("%T", v)
}

// unmodelled are the attributes of a server that the fake does not model, as nothing of the
// provider reads them: it gives them fixed plausible values, and they are compared by shape
// (keys and types) only. The fake's servers have no egg, allocation or resources of their own.
// The databases include (relationships.databases) is compared in full.
var unmodelled = map[string]bool{
	"docker_image": true, "egg_features": true, "invocation": true, "limits": true, "node": true,
	"sftp_details": true, "relationships.allocations": true, "relationships.variables": true, "allocation": true,
	"egg": true, "container": true,
	"feature_limits.allocations": true, "feature_limits.backups": true, "user": true,
}

// opaque are unmodelled values compared by type alone: the egg's variables decide their keys.
var opaque = map[string]bool{"container.environment": true, "relationships.variables": true}

// value compares rec and got at where. server is the path inside a server object's
// attributes ("" outside one, "." at its attributes).
func (c *comparer) value(where string, rec, got any, server string) {
	if kind(rec) != kind(got) {
		c.add(where, kind(rec)+" "+describe(rec), kind(got)+" "+describe(got))
		return
	}
	if server != "" {
		inner := strings.TrimPrefix(server, ".")
		if first, _, _ := strings.Cut(inner, "."); unmodelled[first] || unmodelled[inner] {
			c.shape(where, rec, got, inner)
			return
		}
	}
	key := where[strings.LastIndex(where, ".")+1:]
	switch rec := rec.(type) {
	case map[string]any:
		got, _ := got.(map[string]any) // the same kind as rec
		for _, k := range slices.Sorted(maps.Keys(rec)) {
			if _, ok := got[k]; !ok {
				c.add(where+"."+k, rec[k], "no such key")
				continue
			}
			inner := ""
			switch {
			case server != "":
				inner = strings.TrimSuffix(server, ".") + "." + k
			case k == "attributes" && rec["object"] == "server":
				inner = "."
			}
			c.value(where+"."+k, rec[k], got[k], inner)
		}
		for _, k := range slices.Sorted(maps.Keys(got)) {
			if _, ok := rec[k]; !ok {
				c.add(where+"."+k, "no such key", got[k])
			}
		}
	case []any:
		got, _ := got.([]any)
		if len(rec) != len(got) {
			c.add(where+".length", len(rec), len(got))
		}
		for i := range min(len(rec), len(got)) {
			c.value(fmt.Sprintf("%s[%d]", where, i), rec[i], got[i], server)
		}
	case string:
		rec = strings.ReplaceAll(rec, transcript.RecordedOrigin, c.origin)
		if c.path[0] != "" {
			rec = strings.ReplaceAll(rec, "route "+c.path[0]+".", "route "+c.path[1]+".")
		}
		if got, _ := got.(string); rec != got && !c.sameForm(key, rec, got) {
			if key == "password" { // never printed, even a recorded one
				rec, got = fmt.Sprintf("a password of %d characters", len(rec)), fmt.Sprintf("one of %d", len(got))
			}
			c.add(where, rec, got)
		}
	case float64:
		if n, _ := got.(float64); rec != n && key != "id" {
			c.add(where, rec, got)
		}
	default:
		if rec != got {
			c.add(where, rec, got)
		}
	}
}

// shape compares the keys and types of an unmodelled value (at inner, inside a server's
// attributes): objects key by key, an array by its first element.
func (c *comparer) shape(where string, rec, got any, inner string) {
	if kind(rec) != kind(got) {
		c.add(where, kind(rec)+" "+describe(rec), kind(got)+" "+describe(got))
		return
	}
	if opaque[inner] {
		return
	}
	switch rec := rec.(type) {
	case map[string]any:
		got, _ := got.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(rec)) {
			if _, ok := got[k]; !ok {
				c.add(where+"."+k, rec[k], "no such key")
				continue
			}
			c.shape(where+"."+k, rec[k], got[k], inner+"."+k)
		}
		for _, k := range slices.Sorted(maps.Keys(got)) {
			if _, ok := rec[k]; !ok {
				c.add(where+"."+k, "no such key", got[k])
			}
		}
	case []any:
		if got, _ := got.([]any); len(rec) > 0 && len(got) > 0 {
			c.shape(where+"[0]", rec[0], got[0], inner)
		}
	}
}

var (
	hashidForm    = regexp.MustCompile(`^[0-9A-Za-z]{8}$`)
	usernameForm  = regexp.MustCompile(`^u[0-9]+_[0-9A-Za-z]{10}$`)
	passwordForm  = regexp.MustCompile(`^[!-~]{24}$`)
	timestampForm = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00$`)
	trailingID    = regexp.MustCompile(`/[0-9]+$`)
)

// sameForm reports whether two strings that differ are the same kind of generated value at
// key: a database id, user name or password, a timestamp, a URL that ends in an id.
func (c *comparer) sameForm(key, rec, got string) bool {
	both := func(re *regexp.Regexp) bool { return re.MatchString(rec) && re.MatchString(got) }
	switch key {
	case "id":
		return both(hashidForm)
	case "username":
		return both(usernameForm) || c.object == "user"
	case "password":
		return both(passwordForm)
	case "created_at", "updated_at":
		return both(timestampForm)
	case "resource":
		return trailingID.ReplaceAllString(rec, "") == trailingID.ReplaceAllString(got, "")
	case "email", "first_name", "last_name":
		return c.object == "user" // the fake keeps no users: GET /api/client/account makes one up
	}
	return false
}

func trimSlashes(path string) string { return strings.Trim(path, "/") }
