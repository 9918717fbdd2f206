package panel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Pterodactyl has no host API: every host call is refused before anything is sent.
func TestDatabaseHostsNeedPelican(t *testing.T) {
	f := newAppFake(t, Pterodactyl)
	c, _, _ := f.client(appKeyPtero)
	ctx := t.Context()
	in := DatabaseHostInput{Name: "eu", Host: "10.0.0.9", Port: 3306, Username: "admin", Password: "right"}
	_, e1 := c.ListDatabaseHosts(ctx)
	_, e2 := c.GetDatabaseHost(ctx, "1")
	_, e3 := c.CreateDatabaseHost(ctx, in)
	_, e4 := c.UpdateDatabaseHost(ctx, "1", in)
	e5 := c.DeleteDatabaseHost(ctx, "1")
	for i, err := range []error{e1, e2, e3, e4, e5} {
		if !errors.Is(err, ErrNoHostAPI) || !strings.Contains(err.Error(), "the panel is Pterodactyl") {
			t.Errorf("call %d: %v, want ErrNoHostAPI", i+1, err)
		}
	}
	sameLog(t, f.log())
}

// The panel pages its hosts; every page is read.
func TestListDatabaseHostsFollowsPages(t *testing.T) {
	f := newAppFake(t, Pelican)
	for i := range 24 {
		f.addHost(fmt.Sprintf("host%02d", i))
	}
	c, _, _ := f.client(appKeyPelican)
	hosts, err := c.ListDatabaseHosts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 25 || hosts[0].Name != "local" || hosts[24].Name != "host23" || hosts[24].ID != "25" {
		t.Fatalf("%d hosts: first %+v, last %+v", len(hosts), hosts[0], hosts[len(hosts)-1])
	}
	want := (DatabaseHost{ID: "1", Name: "local", Host: "10.0.0.5", Port: 3306, Username: "panel"})
	if hosts[0] != want {
		t.Fatalf("host = %+v, want %+v", hosts[0], want)
	}
	sameLog(t, f.log(),
		"GET /api/application/database-hosts?page=1&per_page=100",
		"GET /api/application/database-hosts?page=2&per_page=100",
		"GET /api/application/database-hosts?page=3&per_page=100",
	)
}

func TestDatabaseHostLifecycle(t *testing.T) {
	f := newAppFake(t, Pelican)
	c, _, _ := f.client(clientKeyPelican) // a root admin's client key will do
	ctx := t.Context()
	made, err := c.CreateDatabaseHost(ctx, DatabaseHostInput{Name: "eu", Host: "10.0.0.9", Port: 3307, Username: "admin",
		Password: "right", NodeIDs: []int{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if want := (DatabaseHost{ID: "2", Name: "eu", Host: "10.0.0.9", Port: 3307, Username: "admin"}); *made != want {
		t.Fatalf("created %+v, want %+v", made, want)
	}
	if body := fmt.Sprint(f.bodies[1]); body != "map[host:10.0.0.9 name:eu node_ids:[1 2] password:right port:3307 username:admin]" {
		t.Fatalf("create body = %s", body)
	}
	got, err := c.GetDatabaseHost(ctx, made.ID)
	if err != nil || *got != *made {
		t.Fatalf("read %+v, %v", got, err)
	}
	// An update sends everything but the password again, and the password only when given.
	in := DatabaseHostInput{Name: "eu-1", Host: "10.0.0.10", Port: 3306, Username: "admin", NodeIDs: []int{3}}
	updated, err := c.UpdateDatabaseHost(ctx, made.ID, in)
	if err != nil || updated.Name != "eu-1" || updated.Host != "10.0.0.10" || updated.Port != 3306 {
		t.Fatalf("updated %+v, %v", updated, err)
	}
	in.Password = "right"
	if _, err := c.UpdateDatabaseHost(ctx, made.ID, in); err != nil {
		t.Fatal(err)
	}
	if a, b := fmt.Sprint(f.bodies[3]), fmt.Sprint(f.bodies[4]); a != "map[host:10.0.0.10 name:eu-1 port:3306 username:admin]" ||
		b != "map[host:10.0.0.10 name:eu-1 password:right port:3306 username:admin]" {
		t.Fatalf("update bodies:\n%s\n%s", a, b)
	}
	if err := c.DeleteDatabaseHost(ctx, made.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetDatabaseHost(ctx, made.ID); !IsNotFound(err) {
		t.Fatalf("read after delete: %v, want not found", err)
	}
	sameLog(t, f.log(),
		"GET /api/application/database-hosts?page=1&per_page=100", // what is there before the create
		"POST /api/application/database-hosts",
		"GET /api/application/database-hosts/2",
		"PATCH /api/application/database-hosts/2",
		"PATCH /api/application/database-hosts/2",
		"GET /api/application/database-hosts/2?include=databases",
		"DELETE /api/application/database-hosts/2",
		"GET /api/application/database-hosts/2",
	)
	// Deleting a host that is gone is not an error.
	if err := c.DeleteDatabaseHost(ctx, made.ID); err != nil {
		t.Fatal(err)
	}
	sameLog(t, f.log(), "GET /api/application/database-hosts/2?include=databases")
}

// The panel tests a host's credentials before saving them, and answers a bare 500 when that
// fails: the error says so, and nothing is looked up or sent again.
func TestHostConnectionFailure(t *testing.T) {
	f := newAppFake(t, Pelican)
	c, rec, _ := f.client(appKeyPelican)
	in := DatabaseHostInput{Name: "eu", Host: "10.0.0.9", Port: 3306, Username: "admin", Password: "wrong"}
	_, err := c.CreateDatabaseHost(t.Context(), in)
	var ce *HostConnectionError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `the panel could not log in to the database host 10.0.0.9:3306 as "admin"`) {
		t.Fatalf("error = %v, want a HostConnectionError", err)
	}
	_, err = c.UpdateDatabaseHost(t.Context(), "1", in)
	if !errors.As(err, &ce) {
		t.Fatalf("update: %v, want a HostConnectionError", err)
	}
	sameLog(t, f.log(),
		"GET /api/application/database-hosts?page=1&per_page=100",
		"POST /api/application/database-hosts",
		"PATCH /api/application/database-hosts/1",
	)
	if len(rec.waits) != 0 || len(f.hosts) != 1 {
		t.Fatalf("waits %v, %d hosts", rec.waits, len(f.hosts))
	}
}

// A host's create whose answer is lost is looked up by name, never sent again; a host of the
// same name that was there before is not taken for it.
func TestLostHostCreateIsLookedUpNotSentAgain(t *testing.T) {
	f := newAppFake(t, Pelican)
	f.addHost("eu")
	f.onCreate = func(w http.ResponseWriter) bool {
		w.WriteHeader(http.StatusGatewayTimeout)
		return true
	}
	c, rec, _ := f.client(appKeyPelican)
	h, err := c.CreateDatabaseHost(t.Context(), DatabaseHostInput{Name: "eu", Host: "10.0.0.9", Port: 3306, Username: "admin", Password: "right"})
	if err != nil {
		t.Fatal(err)
	}
	if h.ID != "3" || h.Host != "10.0.0.9" {
		t.Fatalf("adopted %+v, want the new host 3, not the old host 2 of the same name", h)
	}
	sameLog(t, f.log(),
		"GET /api/application/database-hosts?page=1&per_page=100",
		"POST /api/application/database-hosts",
		"GET /api/application/database-hosts?page=1&per_page=100",
	)
	if len(rec.waits) != 0 {
		t.Fatalf("waits = %v", rec.waits)
	}
}

// When the lookups do not find the host before the call's time is up, the error says the
// panel may still make it.
func TestUnconfirmedHostCreate(t *testing.T) {
	f := newAppFake(t, Pelican)
	f.onCreate = func(w http.ResponseWriter) bool {
		f.hosts = f.hosts[:len(f.hosts)-1] // the panel has not made it yet
		w.WriteHeader(http.StatusBadGateway)
		return true
	}
	c, _, _ := f.client(appKeyPelican)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	waits := 0
	c.sleep = func(ctx context.Context, _ time.Duration) error {
		if waits++; waits == 2 {
			cancel() // the operation's time runs out during the second wait
		}
		return ctx.Err()
	}
	_, err := c.CreateDatabaseHost(ctx, DatabaseHostInput{Name: "eu", Host: "10.0.0.9", Port: 3306, Username: "admin", Password: "right"})
	var u *UnconfirmedCreateError
	if !errors.As(err, &u) || u.Lookups != 3 || u.Server != "" || u.Name != "eu" ||
		!strings.Contains(err.Error(), ". The database host did not appear in the panel in 3 lookups over") ||
		!strings.Contains(err.Error(), "; the panel may still finish the create") {
		t.Fatalf("error = %v, want an UnconfirmedCreateError after 3 lookups", err)
	}
	if n := f.count("POST "); n != 1 {
		t.Fatalf("%d creates, want 1", n)
	}
}

// A host that databases use is not deleted: they are counted first, and nothing is sent.
func TestHostInUseIsNotDeleted(t *testing.T) {
	f := newAppFake(t, Pelican)
	f.addDB(1, "a")
	f.addDB(2, "b")
	c, _, _ := f.client(appKeyPelican)
	err := c.DeleteDatabaseHost(t.Context(), "1")
	var inUse *HostInUseError
	if !errors.As(err, &inUse) || inUse.Count != 2 || !strings.Contains(err.Error(), "2 databases use it") {
		t.Fatalf("error = %v, want a HostInUseError naming 2 databases", err)
	}
	sameLog(t, f.log(), "GET /api/application/database-hosts/1?include=databases")

	// A key that may not read server databases cannot count them: the panel's refusal is
	// explained instead.
	f.noDatabaseRead = true
	err = c.DeleteDatabaseHost(t.Context(), "1")
	if !errors.As(err, &inUse) || inUse.Count != 0 || !strings.Contains(err.Error(), "most likely because databases still use the host") {
		t.Fatalf("error = %v, want a HostInUseError from the panel's refusal", err)
	}
	sameLog(t, f.log(), "GET /api/application/database-hosts/1?include=databases", "DELETE /api/application/database-hosts/1")
	if len(f.hosts) != 1 {
		t.Fatal("the host is gone")
	}
}

// A host's password, like the key, never reaches a log or an error: not when the panel quotes
// it back (debug mode), nor in a transport failure.
func TestHostSecretsStayOutOfLogsAndErrors(t *testing.T) {
	const password = "Sup3r!Secret@Host+Pass"
	var calls atomic.Int32
	c, _, logger := handlerClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1: // the list before the create
			writeJSON(w, 200, `{"object":"list","data":[],"meta":{"pagination":{"current_page":1,"total_pages":1}}}`)
		case 2:
			fakeError(w, 500, "PDOException", "SQLSTATE[HY000] [1045] Access denied for user 'admin' using password "+password)
		case 3:
			fakeError(w, 422, CodeValidation, "The password "+password+" is too long.")
		default:
			dropConnection(t, w)
		}
	}, func(cfg *Config) { cfg.APIKey = appKeyPelican; cfg.MaxRetries = -1 })
	in := DatabaseHostInput{Name: "eu", Host: "10.0.0.9", Port: 3306, Username: "admin", Password: password}
	_, e1 := c.CreateDatabaseHost(t.Context(), in)
	_, e2 := c.UpdateDatabaseHost(t.Context(), "1", in)
	_, e3 := c.UpdateDatabaseHost(t.Context(), "1", in)
	var ce *HostConnectionError
	var te *TransportError
	if !errors.As(e1, &ce) || !IsValidation(e2) || !errors.As(e3, &te) {
		t.Fatalf("errors = %v; %v; %v", e1, e2, e3)
	}
	logs := logger.text()
	if logs == "" {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	for _, text := range []string{e1.Error(), e2.Error(), e3.Error(), logs} {
		for _, secret := range []string{password, appKeyPelican} {
			if strings.Contains(text, secret) {
				t.Fatalf("a secret reached a log or an error:\n%s", text)
			}
		}
	}
	if !strings.Contains(e1.Error(), "using password [redacted]") {
		t.Fatalf("error %q: the panel's message should stay, without the password", e1)
	}
}
