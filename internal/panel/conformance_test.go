package panel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest/transcript"
)

// TestDecodeLikeTheRealPanel replays the exchanges recorded from a real Pterodactyl 1.11.8
// panel against the fake one (as paneltest's TestConformance does), and decodes each answer
// that the client reads, recorded and fake, with the client's own types: a server, a
// database list or item of either API, a server list, an error. What the client decodes
// from the real answer must be what it decodes from the fake's, apart from the values that
// differ by nature (ids, user names, passwords), which must have the same form. Every test
// of the provider runs against the fake: this is what ties them to the real panel.
func TestDecodeLikeTheRealPanel(t *testing.T) {
	dir := transcript.Dir(t, transcript.Pterodactyl1118)
	exchanges := transcript.Load(t, dir)
	r := transcript.NewReplayer(t, exchanges)
	decoded := 0
	for _, e := range exchanges {
		a := r.Replay(e)
		if !e.JSONBody() || !jsonContentType(a.Header.Get("Content-Type")) {
			continue
		}
		decode := decoderFor(e)
		if decode == nil {
			continue
		}
		rec, err := decode(e.Response.Body)
		if err != nil {
			t.Errorf("%s: the client cannot decode the real answer: %v", e, err)
			continue
		}
		got, err := decode(a.Body)
		if err != nil {
			t.Errorf("%s: the client cannot decode the fake's answer: %v", e, err)
			continue
		}
		decoded++
		if e.Debug() {
			rec = productionErrors(rec)
		}
		rec, got = byForm(t, e, rec), byForm(t, e, got)
		if !reflect.DeepEqual(rec, got) {
			t.Errorf("%s: the client decodes\n  real: %+v\n  fake: %+v", e, rec, got)
		}
	}
	if decoded < 80 {
		t.Fatalf("decoded %d answers; the recordings hold more than 80 the client reads", decoded)
	}
}

type decoder func([]byte) (any, error)

var (
	clientServer   = regexp.MustCompile(`^/api/client/servers/[^/]+/?$`)
	clientDBs      = regexp.MustCompile(`^/api/client/servers/[^/]+/databases/?$`)
	clientRotate   = regexp.MustCompile(`^/api/client/servers/[^/]+/databases/[^/]+/rotate-password$`)
	appServers     = regexp.MustCompile(`^/api/application/servers/?$`)
	appServer      = regexp.MustCompile(`^/api/application/servers/[^/]+$`)
	appDBs         = regexp.MustCompile(`^/api/application/servers/[^/]+/databases/?$`)
	appDB          = regexp.MustCompile(`^/api/application/servers/[^/]+/databases/[^/]+$`)
	errorsDecoder  = decoder(decodeErrors)
	successStatus  = func(s int) bool { return s >= 200 && s < 300 }
	jsonNumberForm = regexp.MustCompile(`^[0-9]+$`)
)

// decoderFor is how the client reads e's answer, or nil when it reads none of it.
func decoderFor(e *transcript.Exchange) decoder {
	if !successStatus(e.Response.Status) {
		return errorsDecoder
	}
	path, m := e.Request.Path, e.Request.Method
	switch {
	case m == http.MethodGet && clientServer.MatchString(path):
		return func(b []byte) (any, error) {
			var env serverEnvelope
			err := json.Unmarshal(b, &env)
			return env.toServer(), err
		}
	case m == http.MethodGet && clientDBs.MatchString(path):
		return func(b []byte) (any, error) {
			var l databaseList
			err := json.Unmarshal(b, &l)
			var out []Database
			for _, it := range l.Data {
				out = append(out, it.Attributes.toDatabase())
			}
			return out, err
		}
	case m == http.MethodPost && (clientDBs.MatchString(path) || clientRotate.MatchString(path)):
		return func(b []byte) (any, error) {
			var it databaseItem
			err := json.Unmarshal(b, &it)
			return it.Attributes.toDatabase(), err
		}
	case m == http.MethodGet && appServers.MatchString(path):
		// As a server lookup and a sweep read it: the server, and its databases when the
		// include was asked for and not withheld.
		return func(b []byte) (any, error) {
			var l sweepServerPage
			err := json.Unmarshal(b, &l)
			var out []sweptDecoded
			for _, it := range l.Data {
				srv, dbs := it.Attributes.decode()
				out = append(out, sweptDecoded{srv, dbs})
			}
			return out, err
		}
	case m == http.MethodGet && appServer.MatchString(path):
		return func(b []byte) (any, error) {
			var it struct {
				Attributes appServerAttributes `json:"attributes"`
			}
			err := json.Unmarshal(b, &it)
			return it.Attributes.toServer(), err
		}
	case m == http.MethodGet && appDBs.MatchString(path):
		return func(b []byte) (any, error) {
			var l appDatabaseList
			err := json.Unmarshal(b, &l)
			var out []appDecoded
			for _, it := range l.Data {
				out = append(out, decodedApp(&it.Attributes))
			}
			return out, err
		}
	case (m == http.MethodGet || m == http.MethodPost) && (appDB.MatchString(path) || appDBs.MatchString(path)):
		return func(b []byte) (any, error) {
			var it appDatabaseItem
			err := json.Unmarshal(b, &it)
			return decodedApp(&it.Attributes), err
		}
	}
	return nil
}

// sweptDecoded is what the client takes from a server of the application API's server list.
type sweptDecoded struct {
	*Server
	Databases []Database
}

// appDecoded is what the client takes from an application API database: the database and
// the server it says it belongs to (the client checks it: the path does not scope the id).
type appDecoded struct {
	Database
	Server string
}

func decodedApp(a *appDatabaseAttributes) appDecoded {
	return appDecoded{Database: a.toDatabase(), Server: string(a.Server)}
}

// decodedError is what the client reads of an error answer.
type decodedError struct{ Code, Status, Detail, SourceField, Rule string }

func decodeErrors(b []byte) (any, error) {
	var env errorEnvelope
	err := json.Unmarshal(b, &env)
	var out []decodedError
	for _, it := range env.Errors {
		out = append(out, decodedError{it.Code, it.Status, it.Detail, it.Meta.SourceField, it.Meta.Rule})
	}
	return out, err
}

// productionErrors is a debug-mode error as production sends it: the raw exception message
// replaced by the detail production gives the code.
func productionErrors(v any) any {
	errs, ok := v.([]decodedError)
	if !ok {
		return v
	}
	production := map[string]string{
		"NotFoundHttpException":   "The requested resource could not be found on the server.",
		"AuthenticationException": "Unauthenticated.",
		"QueryException":          "An unexpected error was encountered while processing this request, please try again.",
	}
	for i := range errs {
		if d, ok := production[errs[i].Code]; ok {
			errs[i].Detail = d
		}
	}
	return errs
}

var (
	hashidForm   = regexp.MustCompile(`^[0-9A-Za-z]{8}$`)
	usernameForm = regexp.MustCompile(`^u[0-9]+_[0-9A-Za-z]{10}$`)
	passwordForm = regexp.MustCompile(`^[!-~]{24}$`)
	routeDetail  = regexp.MustCompile(`route (\S+)\.`)
)

// byForm replaces in v each value that differs by nature with its form, failing the test when
// a value has none of the forms the panel gives it.
func byForm(t *testing.T, e *transcript.Exchange, v any) any {
	t.Helper()
	form := func(what, s string, forms ...*regexp.Regexp) string {
		if s == "" {
			return ""
		}
		for _, f := range forms {
			if f.MatchString(s) {
				return "<" + what + " " + f.String() + ">"
			}
		}
		t.Errorf("%s: %s %q has no known form", e, what, s)
		return s
	}
	db := func(d *Database) {
		d.ID = form("id", d.ID, jsonNumberForm, hashidForm)
		d.Username = form("username", d.Username, usernameForm)
		d.Password = form("password", d.Password, passwordForm)
	}
	switch v := v.(type) {
	case Database:
		db(&v)
		return v
	case []Database:
		for i := range v {
			db(&v[i])
		}
		return v
	case appDecoded:
		db(&v.Database)
		return v
	case []appDecoded:
		for i := range v {
			db(&v[i].Database)
		}
		return v
	case []sweptDecoded:
		for i := range v {
			for j := range v[i].Databases {
				db(&v[i].Databases[j])
			}
		}
		return v
	case []decodedError:
		for i := range v {
			// A 405 names the route, whose database id is the fake's own.
			v[i].Detail = routeDetail.ReplaceAllString(v[i].Detail, "route <path>.")
		}
		return v
	}
	return v
}

func (d decodedError) String() string {
	return fmt.Sprintf("%s %s %q %s/%s", d.Status, d.Code, d.Detail, d.SourceField, d.Rule)
}
