package provider

import (
	"strings"
	"testing"
)

// FuzzParseImportID holds parseImportID to its promise: it either returns a server reference
// of a valid shape and a non-empty database reference without slashes, joined back to the
// trimmed input, or an error that shows the accepted forms.
func FuzzParseImportID(f *testing.F) {
	for _, s := range []string{
		"1a7ce997/bEY4yAD5", "1a7ce997/12", "1a7ce997/s12_minecraft", " 1a7ce997/minecraft ",
		"1a7ce997-259b-452e-8b4e-cecc464142ca/x", "", "/", "1a7ce997", "1a7ce997/", "/x", "a/b/c", "\x00/\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		server, ref, err := parseImportID(id)
		if err != nil {
			if !strings.Contains(err.Error(), "<server>/<database id>") || !strings.Contains(err.Error(), "<server>/<name>") {
				t.Fatalf("error %q does not show the accepted forms", err)
			}
			return
		}
		if serverIDProblem(server) != "" || ref == "" || strings.Contains(ref, "/") {
			t.Fatalf("parseImportID(%q) = %q, %q", id, server, ref)
		}
		if server+"/"+ref != strings.TrimSpace(id) {
			t.Fatalf("parseImportID(%q) lost text: %q + %q", id, server, ref)
		}
	})
}
