package paneltest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recordingHost is a Backend that remembers what it was asked and fails the calls named in
// fail.
type recordingHost struct {
	mu    sync.Mutex
	calls []string
	fail  map[string]bool
	last  BackendDatabase
}

func (h *recordingHost) Address() (string, int) { return "db.internal", 3307 }

func (h *recordingHost) call(op string, d BackendDatabase) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, op+" "+d.Name+" "+d.Username+"@"+d.Remote)
	h.last = d
	if h.fail[op] {
		return errors.New(op + " failed")
	}
	return nil
}

func (h *recordingHost) CreateDatabase(_ context.Context, d BackendDatabase) error {
	return h.call("create", d)
}

func (h *recordingHost) RotatePassword(_ context.Context, d BackendDatabase) error {
	return h.call("rotate", d)
}

func (h *recordingHost) DropDatabase(_ context.Context, d BackendDatabase) error {
	return h.call("drop", d)
}

func (h *recordingHost) failing(op string, fail bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail == nil {
		h.fail = map[string]bool{}
	}
	h.fail[op] = fail
}

func (h *recordingHost) lastCall() (string, BackendDatabase) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.calls) == 0 {
		return "", BackendDatabase{}
	}
	return h.calls[len(h.calls)-1], h.last
}

func TestBackendSeesEveryChangeWithTheCredentialsItHandsOut(t *testing.T) {
	for _, flavor := range flavors {
		t.Run(string(flavor), func(t *testing.T) {
			host := &recordingHost{}
			f := setup(t, Options{Flavor: flavor, Backend: host})
			a := f.create(t, "app")
			if got := obj(t, a, "host"); got["address"] != "db.internal" || fmt.Sprint(got["port"]) != "3307" {
				t.Fatalf("host = %v, want the backend's address", got)
			}
			user := str(t, a, "username")
			call, d := host.lastCall()
			if call != "create "+str(t, a, "name")+" "+user+"@%" || d.Password != str(t, a, "relationships", "password", "attributes", "password") {
				t.Fatalf("backend saw %q (password matches: %v)", call, d.Password == str(t, a, "relationships", "password", "attributes", "password"))
			}

			id := idString(a["id"])
			r := f.owner.do("POST", f.dbPath(id, "rotate-password"), nil)
			wantStatus(t, r, http.StatusOK)
			call, d = host.lastCall()
			if call != "rotate s1_app "+user+"@%" || d.Password != str(t, attrs(t, r.object(t)), "relationships", "password", "attributes", "password") {
				t.Fatalf("backend saw %q; the new password must be the one answered", call)
			}
			oob := f.p.RotatePassword(f.srv.Identifier, id)
			if call, d = host.lastCall(); call != "rotate s1_app "+user+"@%" || d.Password != oob {
				t.Fatalf("out-of-band rotation: backend saw %q", call)
			}

			wantStatus(t, f.owner.do("DELETE", f.dbPath(id), nil), http.StatusNoContent)
			if call, _ = host.lastCall(); call != "drop s1_app "+user+"@%" {
				t.Fatalf("backend saw %q", call)
			}

			seeded := f.p.AddDatabase(f.srv.Identifier, "seeded", "10.0.0.%")
			if call, _ = host.lastCall(); call != "create s1_seeded "+seeded.Username+"@10.0.0.%" {
				t.Fatalf("AddDatabase: backend saw %q", call)
			}
			if !f.p.DeleteDatabase(f.srv.Identifier, seeded.ID) {
				t.Fatal("out-of-band delete found nothing")
			}
			if call, _ = host.lastCall(); call != "drop s1_seeded "+seeded.Username+"@10.0.0.%" {
				t.Fatalf("DeleteDatabase: backend saw %q", call)
			}
		})
	}
}

func TestBackendFailureAnswers500AndChangesNothing(t *testing.T) {
	host := &recordingHost{}
	f := setup(t, Options{Backend: host})
	unexpected := "An unexpected error was encountered while processing this request, please try again."

	host.failing("create", true)
	r := f.owner.do("POST", f.dbPath(), map[string]any{"database": "app", "remote": "%"})
	wantError(t, r, http.StatusInternalServerError, "QueryException", unexpected)
	if dbs := f.p.Databases(f.srv.Identifier); len(dbs) != 0 {
		t.Fatalf("a failed create left %d databases on the panel", len(dbs))
	}
	host.failing("create", false)
	a := f.create(t, "app") // the name is free: nothing was committed
	id := idString(a["id"])
	before := f.p.Databases(f.srv.Identifier)[0].Password

	host.failing("rotate", true)
	wantError(t, f.owner.do("POST", f.dbPath(id, "rotate-password"), nil), http.StatusInternalServerError, "QueryException", unexpected)
	if got := f.p.Databases(f.srv.Identifier)[0].Password; got != before {
		t.Fatal("a failed rotation changed the stored password")
	}

	host.failing("drop", true)
	wantError(t, f.owner.do("DELETE", f.dbPath(id), nil), http.StatusInternalServerError, "QueryException", unexpected)
	if len(f.p.Databases(f.srv.Identifier)) != 1 {
		t.Fatal("a failed delete removed the database from the panel")
	}
	host.failing("drop", false)
	wantStatus(t, f.owner.do("DELETE", f.dbPath(id), nil), http.StatusNoContent)

	// The test-side helpers have no error to return: a failing host stops the test loudly.
	host.failing("create", true)
	defer func() {
		if msg := fmt.Sprint(recover()); !strings.Contains(msg, "creating s1_seeded on the database host: create failed") {
			t.Fatalf("AddDatabase with a failing backend: panic %q", msg)
		}
	}()
	f.p.AddDatabase(f.srv.Identifier, "seeded", "")
}

func TestBackendDefaultsAndOverrides(t *testing.T) {
	f := setup(t, Options{})
	if got := obj(t, f.create(t, "app"), "host"); got["address"] != "127.0.0.1" || fmt.Sprint(got["port"]) != "3306" {
		t.Fatalf("without a backend: host = %v", got)
	}
	f = setup(t, Options{Backend: &recordingHost{}, DatabaseHost: "mysql.example.com"})
	if got := obj(t, f.create(t, "app"), "host"); got["address"] != "mysql.example.com" || fmt.Sprint(got["port"]) != "3307" {
		t.Fatalf("host option over a backend: host = %v", got)
	}
}

func TestBackendDatabaseNeverPrintsThePassword(t *testing.T) {
	d := BackendDatabase{Name: "s1_app", Username: "u1_abc", Password: "hunter2!@", Remote: "%"}
	for _, s := range []string{fmt.Sprint(d), fmt.Sprintf("%v %+v %#v %s", d, d, d, d), fmt.Sprint(&d), fmt.Sprint([]BackendDatabase{d})} {
		if strings.Contains(s, "hunter2") {
			t.Fatalf("password printed: %s", s)
		}
	}
	if !slices.Contains(strings.Fields(d.String()), "u1_abc@%") {
		t.Fatalf("String() = %q lacks the account", d.String())
	}
}
