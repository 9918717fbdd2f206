package paneltest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func verr(field, rule, detail string) errorItem {
	return errorItem{Code: "ValidationException", Status: "422", Detail: detail, Meta: &errorMeta{SourceField: field, Rule: rule}}
}

func TestCreateValidation(t *testing.T) {
	var (
		required  = verr("database", "required", "The database field is required.")
		alphaDash = verr("database", "alpha_dash", "The database may only contain letters, numbers, and dashes.")
		minLen    = verr("database", "min", "The database must be at least 3 characters.")
		maxLen    = verr("database", "max", "The database may not be greater than 48 characters.")
		remoteReq = verr("remote", "required", "The remote field is required.")
		remoteStr = verr("remote", "string", "The remote must be a string.")
		remoteFmt = verr("remote", "regex", "The remote format is invalid.")
	)
	tests := []struct {
		name string
		body string
		want []errorItem
	}{
		{"empty object", `{}`, []errorItem{required, remoteReq}},
		{"empty strings", `{"database":"","remote":""}`, []errorItem{required, remoteReq}},
		{"whitespace is trimmed to nothing", `{"database":"   ","remote":" \t"}`, []errorItem{required, remoteReq}},
		{"nulls", `{"database":null,"remote":null}`, []errorItem{required, remoteReq}},
		{"empty array", `{"database":[],"remote":"%"}`, []errorItem{required}},
		{"too short", `{"database":"ab","remote":"%"}`, []errorItem{minLen}},
		{"too short after trim", `{"database":" ab ","remote":"%"}`, []errorItem{minLen}},
		{"bad characters and too short", `{"database":"a!","remote":"%"}`, []errorItem{alphaDash, minLen}},
		{"space inside", `{"database":"my db","remote":"%"}`, []errorItem{alphaDash}},
		{"dot", `{"database":"my.db","remote":"%"}`, []errorItem{alphaDash}},
		{"unicode letters", `{"database":"bäse","remote":"%"}`, nil},
		{"unicode symbol", `{"database":"b€se","remote":"%"}`, []errorItem{alphaDash}},
		{"too long", `{"database":"` + strings.Repeat("a", 49) + `","remote":"%"}`, []errorItem{maxLen}},
		{"too long and bad", `{"database":"` + strings.Repeat("a", 49) + `!","remote":"%"}`, []errorItem{alphaDash, maxLen}},
		{"not a string", `{"database":{"a":1},"remote":"%"}`, []errorItem{alphaDash}},
		{"remote with a space", `{"database":"spaced","remote":"10.0.0.1 "}`, nil},
		{"remote bad", `{"database":"okdb","remote":"host name"}`, []errorItem{remoteFmt}},
		{"remote quote", `{"database":"okdb","remote":"'%'"}`, []errorItem{remoteFmt}},
		{"remote number", `{"database":"okdb","remote":10}`, []errorItem{remoteStr}},
		{"remote bool", `{"database":"okdb","remote":true}`, []errorItem{remoteStr, remoteFmt}},
		{"both fields", `{"database":"x","remote":""}`, []errorItem{minLen, remoteReq}},
	}
	f := setup(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.owner.do("POST", f.dbPath(), tt.body)
			if tt.want == nil {
				wantStatus(t, r, http.StatusOK)
				return
			}
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if got := r.errors(t); !slices.EqualFunc(got, tt.want, sameItem) {
				t.Fatalf("errors = %s", r.body)
			}
		})
	}
	if n := len(f.p.Databases(f.srv.Identifier)); n != 2 {
		t.Fatalf("%d databases, want the 2 valid creates", n)
	}
}

// A taken name passes validation (its unique rule never fires) and gets the controller's 400,
// without regard to case and after truncation (exchanges 014, 019, 022).
func TestCreateDuplicateName(t *testing.T) {
	f := setup(t, Options{})
	f.p.AddDatabase(f.srv.Identifier, "taken", "%")
	f.p.AddDatabase(f.srv.Identifier, strings.Repeat("t", 45), "%")
	for _, name := range []string{"taken", "TAKEN", strings.Repeat("t", 45) + "zz"} {
		wantUnique(t, f.owner.do("POST", f.dbPath(), map[string]string{"database": name, "remote": "%"}))
	}
	if n := len(f.p.Databases(f.srv.Identifier)); n != 2 {
		t.Fatalf("%d databases, want the 2 seeded", n)
	}
}

func TestCreateAcceptsValidInputs(t *testing.T) {
	f := setup(t, Options{})
	tests := []struct{ body, name, remote string }{
		{`{"database":"my_db-1","remote":"%"}`, "s1_my_db-1", "%"},
		{`{"database":"abc","remote":"10.0.0.%"}`, "s1_abc", "10.0.0.%"},
		{`{"database":"netmask","remote":"10.0.0.0/255.0.0.0"}`, "s1_netmask", "10.0.0.0/255.0.0.0"},
		{`{"database":"ipv6","remote":"fe80::1"}`, "s1_ipv6", "fe80::1"},
		{`{"database":"hostname","remote":"app-1.example.com"}`, "s1_hostname", "app-1.example.com"},
		{`{"database":"  padded  ","remote":"  %  "}`, "s1_padded", "%"},
		{`{"database":12345,"remote":"%"}`, "s1_12345", "%"},
		{`{"database":"` + strings.Repeat("m", 48) + `","remote":"%"}`, "s1_" + strings.Repeat("m", 45), "%"},
	}
	for _, tt := range tests {
		r := f.owner.do("POST", f.dbPath(), tt.body)
		wantStatus(t, r, http.StatusOK)
		if a := attrs(t, r.object(t)); a["name"] != tt.name || a["connections_from"] != tt.remote {
			t.Errorf("%s: name %v, remote %v", tt.body, a["name"], a["connections_from"])
		}
	}
}

func TestCreateInputFromFormAndQuery(t *testing.T) {
	f := setup(t, Options{})
	req := f.owner.request(t.Context(), "POST", f.dbPath(), "database=formdb&remote=%25")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := f.owner.sendOK(req)
	wantStatus(t, r, http.StatusOK)
	if a := attrs(t, r.object(t)); a["name"] != "s1_formdb" {
		t.Fatalf("form create: %v", a)
	}
	r = f.owner.do("POST", f.dbPath()+"?database=querydb&remote=%25", nil)
	wantStatus(t, r, http.StatusOK)
	// The body wins over the query string.
	r = f.owner.do("POST", f.dbPath()+"?database=fromquery", `{"database":"frombody","remote":"%"}`)
	if a := attrs(t, r.object(t)); a["name"] != "s1_frombody" {
		t.Fatalf("body and query: %v", a)
	}
}

func TestMalformedJSON(t *testing.T) {
	f := setup(t, Options{})
	tests := []struct {
		contentType, body, reason string
	}{
		{"application/json", `{"database":`, "Syntax error"},
		{"application/json; charset=utf-8", `nope`, "Syntax error"},
		{"application/vnd.api+json", `{,}`, "Syntax error"},
		{"application/json", "\"\xff\"", "Malformed UTF-8 characters, possibly incorrectly encoded"},
	}
	for _, tt := range tests {
		for _, rc := range databaseRoutes {
			req := f.owner.request(t.Context(), rc.method, rc.path(f, "1"), tt.body)
			req.Header.Set("Content-Type", tt.contentType)
			wantError(t, f.owner.sendOK(req), http.StatusBadRequest, "BadRequestHttpException", msgMalformedJSON+tt.reason)
		}
	}
	// Garbage that is not declared JSON is simply not input.
	req := f.owner.request(t.Context(), "POST", f.dbPath(), `{"database":`)
	req.Header.Set("Content-Type", "text/plain")
	wantStatus(t, f.owner.sendOK(req), http.StatusUnprocessableEntity)
	// A JSON body that is not an object carries no fields.
	wantStatus(t, f.owner.do("POST", f.dbPath(), `["okdb","%"]`), http.StatusUnprocessableEntity)
	if len(f.p.Databases(f.srv.Identifier)) != 0 {
		t.Fatal("a malformed request created a database")
	}
}
