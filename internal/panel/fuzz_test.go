package panel

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets. The seed corpus below runs in every `go test`; `go test -fuzz=FuzzX` explores
// further. What they hold fixed: decoding never panics, whatever a panel, a proxy or a
// misconfigured URL answers; every answer becomes nil, *APIError or *NotPanelError; the error
// text never carries the body; and the name and remote rules agree with the panel's own.

func decodeSeeds(f *testing.F) {
	for _, s := range []struct {
		status int
		ct     string
		body   string
	}{
		{200, "application/json", `{"object":"list","data":[{"object":"server_database","attributes":{"id":"bEY4yAD5","host":{"address":"10.0.0.5","port":3306},"name":"s12_mydb","username":"u12_Ab3dE6gH9k","connections_from":"%","max_connections":0,"relationships":{"password":{"object":"database_password","attributes":{"password":"Xy!abc"}}}}}]}`},
		{200, "application/json", `{"object":"list","data":[{"attributes":{"id":12,"relationships":{"password":{"object":"null_resource","attributes":null}}}}]}`},
		{200, "application/json", `{"object":"list","data":[{"attributes":{"id":1.5e3,"max_connections":null}}]}`},
		{200, "application/json", `{"data":null}`},
		{200, "text/html", `<html>login</html>`},
		{302, "", ``},
		{422, "application/json", `{"errors":[{"code":"ValidationException","status":"422","detail":"The database must be at least 3 characters.","meta":{"source_field":"database","rule":"min"}}]}`},
		{400, "application/json", `{"errors":[{"code":"TooManyDatabasesException","status":"400","detail":"Operation aborted"}]}`},
		{429, "application/json", `{"errors":[]}`},
		{502, "text/html", `bad gateway`},
		{404, "application/json; charset=utf-8", `{"errors":[{"code":"NotFoundHttpException","status":"404","detail":"x","meta":{"source_field":7}}]}`},
		{200, "application/vnd.api+json", `[]`},
	} {
		f.Add(s.status, s.ct, []byte(s.body))
	}
}

func FuzzDecodeListAnswer(f *testing.F) {
	decodeSeeds(f)
	c, err := New(Config{URL: "https://panel.example.com", APIKey: "k"})
	if err != nil {
		f.Fatal(err)
	}
	u, _ := url.Parse("https://panel.example.com/api/client/servers/1a7ce997/databases")
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}}
		var list databaseList
		err := c.decode(call{op: "list"}, *u, resp, body, &list)
		var apiErr *APIError
		var notPanel *NotPanelError
		switch {
		case err == nil:
			if status >= 300 {
				t.Fatalf("status %d decoded as success", status)
			}
			for i := range list.Data {
				db := list.Data[i].Attributes.toDatabase()
				if db.PasswordState != PasswordIncluded && db.Password != "" {
					t.Fatal("a password without PasswordIncluded")
				}
			}
		case errors.As(err, &apiErr):
			if status < 400 {
				t.Fatalf("status %d became an APIError", status)
			}
			_ = apiErr.Error()
		case errors.As(err, &notPanel):
			// The message must not depend on the body: the same answer with another body
			// reads the same.
			other := c.decode(call{op: "list"}, *u, resp, []byte("<html>other</html>"), &databaseList{})
			if other == nil || other.Error() != err.Error() {
				t.Fatalf("the error depends on the body: %q vs %v", err, other)
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}

func FuzzDecodeDatabaseID(f *testing.F) {
	for _, s := range []string{`"bEY4yAD5"`, `12`, `-3`, `1e3`, `"12"`, `null`, `true`, `{}`, `"\u00e9"`, `99999999999999999999999`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var id opaqueID
		if err := json.Unmarshal(raw, &id); err != nil {
			return
		}
		// A decoded id must survive the round trip the provider puts it through: a path
		// segment of a later request.
		seg := url.PathEscape(string(id))
		back, err := url.PathUnescape(seg)
		if err != nil || back != string(id) {
			t.Fatalf("id %q does not survive path escaping", id)
		}
	})
}

// laravelAlphaDashASCII is the panel's rule for database names written out plainly: required,
// alpha_dash (the ASCII subset), min:3, max:48, counting characters.
func laravelAlphaDashASCII(s string) bool {
	if utf8.RuneCountInString(s) < 3 || utf8.RuneCountInString(s) > 48 {
		return false
	}
	for _, r := range s {
		ok := r == '_' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// laravelRemote is /^[\w\-\/.%:]+$/ without the u flag: \w is [A-Za-z0-9_].
func laravelRemote(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || c == '-' || c == '/' || c == '.' || c == '%' || c == ':' ||
			(c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"abc", "ab", "my-db_01", strings.Repeat("x", 48), strings.Repeat("x", 49), "a b", "dé", "s12_x", "\x00ab", "ééé"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidateName(s) == nil, laravelAlphaDashASCII(s); got != want {
			t.Fatalf("ValidateName(%q) accepts = %v, the panel's rule says %v", s, got, want)
		}
		if ValidateName(s) == nil {
			for _, id := range []int{1, 12, 99999} {
				stored := PrefixedName(id, s)
				if len(stored) > NameMaxLength || ShortName(stored) != stored[len(stored)-len(ShortName(stored)):] {
					t.Fatalf("PrefixedName(%d, %q) = %q", id, s, stored)
				}
				if !Truncated(id, s) && ShortName(stored) != s && !HasPrefix(s) {
					t.Fatalf("ShortName(PrefixedName(%d, %q)) = %q", id, s, ShortName(stored))
				}
			}
		}
	})
}

func FuzzValidateRemote(f *testing.F) {
	for _, s := range []string{"%", "10.0.0.%", "10.0.0.0/255.0.0.0", "::1", "host.example.com", "", " ", "a;b", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidateRemote(s) == nil, laravelRemote(s); got != want {
			t.Fatalf("ValidateRemote(%q) accepts = %v, the panel's rule says %v", s, got, want)
		}
	})
}
