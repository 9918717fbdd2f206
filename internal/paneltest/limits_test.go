package paneltest

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDatabaseLimit(t *testing.T) {
	for _, fl := range flavors {
		f := setup(t, Options{Flavor: fl, CreateRateLimit: -1})
		body := func(n string) map[string]string { return map[string]string{"database": n, "remote": "%"} }
		for _, n := range []string{"un1", "un2", "un3", "un4"} { // nil: unlimited
			wantStatus(t, f.owner.do("POST", f.dbPath(), body(n)), http.StatusOK)
		}
		f.p.SetDatabaseLimit(f.srv.Identifier, Limit(5))
		wantStatus(t, f.owner.do("POST", f.dbPath(), body("fifth")), http.StatusOK)
		r := f.owner.do("POST", f.dbPath(), body("sixth"))
		wantError(t, r, http.StatusBadRequest, "TooManyDatabasesException", msgTooManyDatabases)
		if string(r.body) != `{"errors":[{"code":"TooManyDatabasesException","status":"400","detail":"Operation aborted: creating a new database would put this server over the defined limit."}]}`+"\n" {
			t.Fatalf("body = %s", r.body)
		}
		if n := len(f.p.Databases(f.srv.Identifier)); n != 5 {
			t.Fatalf("%d databases after a refused create", n)
		}
		// Out-of-band seeding ignores the limit, and the count includes seeded rows.
		f.p.AddDatabase(f.srv.Identifier, "seeded", "%")
		f.p.SetDatabaseLimit(f.srv.Identifier, Limit(6))
		wantError(t, f.owner.do("POST", f.dbPath(), body("seventh")), 400, "TooManyDatabasesException", msgTooManyDatabases)
		f.p.SetDatabaseLimit(f.srv.Identifier, nil)
		wantStatus(t, f.owner.do("POST", f.dbPath(), body("seventh")), http.StatusOK)

		zero := f.p.AddServer(Server{DatabaseLimit: Limit(0)}) // 0 = no databases at all
		admin := newClient(t, f.p, f.p.AddKey(Key{RootAdmin: true}))
		wantError(t, admin.do("POST", dbPath(zero.Identifier), body("any")), 400, "TooManyDatabasesException", msgTooManyDatabases)
		if len(f.p.Databases(zero.Identifier)) != 0 {
			t.Fatal("a zero-limit server got a database")
		}
	}
}

func TestStateConflicts(t *testing.T) {
	tests := []struct {
		state  ServerState
		detail string
	}{
		{ServerState{Suspended: true}, msgSuspended},
		{ServerState{NodeMaintenance: true}, msgNodeMaintenance},
		{ServerState{Installing: true}, msgNotInstalled},
		{ServerState{InstallFailed: true}, msgNotInstalled},
		{ServerState{RestoringBackup: true}, msgRestoring},
		{ServerState{Transferring: true}, msgTransferring},
	}
	for _, fl := range flavors {
		f := setup(t, Options{Flavor: fl, CreateRateLimit: -1})
		db := f.p.AddDatabase(f.srv.Identifier, "mydb", "%")
		for _, tt := range tests {
			f.p.SetServerState(f.srv.Identifier, tt.state)
			for _, rc := range databaseRoutes {
				r := f.owner.do(rc.method, rc.path(&fixture{srv: f.srv}, db.ID), map[string]string{"database": "newdb", "remote": "%"})
				wantError(t, r, http.StatusConflict, "ServerStateConflictException", tt.detail)
			}
			wantStatus(t, f.owner.do("GET", serverPath(f.srv.Identifier), nil), http.StatusOK)
		}
		if got := f.p.Databases(f.srv.Identifier); len(got) != 1 || got[0] != db {
			t.Fatalf("a conflicting request changed something: %+v", got)
		}
		f.p.SetServerState(f.srv.Identifier, ServerState{})
		wantStatus(t, f.owner.do("GET", f.dbPath(), nil), http.StatusOK)
	}
}

func TestStateConflictPrecedence(t *testing.T) {
	f := setup(t, Options{})
	st := ServerState{Suspended: true, NodeMaintenance: true, Installing: true, InstallFailed: true, RestoringBackup: true, Transferring: true}
	steps := []struct {
		clear  func(*ServerState)
		detail string
	}{
		{func(*ServerState) {}, msgSuspended},
		{func(s *ServerState) { s.Suspended = false }, msgNodeMaintenance},
		{func(s *ServerState) { s.NodeMaintenance = false }, msgNotInstalled},
		{func(s *ServerState) { s.Installing = false }, msgNotInstalled},
		{func(s *ServerState) { s.InstallFailed = false }, msgRestoring},
		{func(s *ServerState) { s.RestoringBackup = false }, msgTransferring},
	}
	for _, step := range steps {
		step.clear(&st)
		f.p.SetServerState(f.srv.Identifier, st)
		wantError(t, f.owner.do("GET", f.dbPath(), nil), http.StatusConflict, "ServerStateConflictException", step.detail)
	}
}

func TestNoHostAndDisabledFeature(t *testing.T) {
	f := setup(t, Options{})
	body := map[string]string{"database": "mydb", "remote": "%"}
	f.p.SetDatabaseHostAvailable(false)
	wantError(t, f.owner.do("POST", f.dbPath(), body), 400, "NoSuitableDatabaseHostException", msgNoHost)
	f.p.SetDatabaseHostAvailable(true)
	f.p.SetDatabasesFeatureEnabled(false)
	wantError(t, f.owner.do("POST", f.dbPath(), body), 500, "DatabaseClientFeatureNotEnabledException", msgUnexpected)
	wantStatus(t, f.owner.do("GET", f.dbPath(), nil), 200) // only creates are affected
	f.p.SetDatabasesFeatureEnabled(true)
	wantStatus(t, f.owner.do("POST", f.dbPath(), body), 200)
}

func TestOutOfBandChanges(t *testing.T) {
	for _, fl := range flavors {
		f := setup(t, Options{Flavor: fl})
		other := f.p.AddServer(Server{})
		seeded := f.p.AddDatabase(f.srv.Identifier, strings.Repeat("x", 60), "")
		if seeded.Name != "s1_"+strings.Repeat("x", 45) || seeded.Remote != "%" || !passwordPattern.MatchString(seeded.Password) {
			t.Fatalf("seeded = %+v", seeded)
		}
		foreign := f.p.AddDatabase(other.Identifier, "theirs", "10.%")
		list := func() []any { return arr(t, f.owner.do("GET", f.dbPath()+"?include=password", nil).object(t), "data") }
		if a := obj(t, list(), 0, "attributes"); idString(a["id"]) != seeded.ID || a["username"] != seeded.Username {
			t.Fatalf("API shows %v for %+v", a, seeded)
		}
		pw := f.p.RotatePassword(f.srv.Identifier, seeded.ID)
		a := obj(t, list(), 0, "attributes")
		if pw == seeded.Password || str(t, a, "relationships", "password", "attributes", "password") != pw {
			t.Fatalf("out-of-band rotation not visible: %q vs %v", pw, a)
		}
		if f.p.RotatePassword(f.srv.Identifier, foreign.ID) != "" || f.p.RotatePassword(f.srv.Identifier, "nope") != "" {
			t.Fatal("RotatePassword accepted a database of another server")
		}
		if f.p.DeleteDatabase(f.srv.Identifier, foreign.ID) || f.p.DeleteDatabase(f.srv.Identifier, "nope") {
			t.Fatal("DeleteDatabase deleted a database of another server")
		}
		if !f.p.DeleteDatabase(f.srv.UUID, seeded.ID) || f.p.DeleteDatabase(f.srv.Identifier, seeded.ID) {
			t.Fatal("DeleteDatabase did not report existence correctly")
		}
		if len(list()) != 0 || len(f.p.Databases(other.Identifier)) != 1 {
			t.Fatal("out-of-band delete not visible, or it touched another server")
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("seeding a duplicate name did not panic")
				}
			}()
			f.p.AddDatabase(other.Identifier, "theirs", "%")
		}()
	}
}

func TestGeneratedPasswords(t *testing.T) {
	counts := map[int]int{}
	for range 3000 {
		pw := generatePassword()
		if !passwordPattern.MatchString(pw) {
			t.Fatalf("password %q", pw)
		}
		counts[countSpecials(pw)]++
	}
	for n := range counts {
		if n < 2 || n > 6 {
			t.Fatalf("a password had %d special characters", n)
		}
	}
	if counts[2] == 0 || counts[6] == 0 {
		t.Fatalf("special-character counts never reached the extremes: %v", counts)
	}
}

func countSpecials(s string) int {
	n := 0
	for _, c := range s {
		if strings.ContainsRune(specialChars, c) {
			n++
		}
	}
	return n
}

func TestStoredNameKeepsUTF8(t *testing.T) {
	name := storedName(1, strings.Repeat("a", 44)+"éé")
	if !utf8.ValidString(name) || len(name) > 48 || name != "s1_"+strings.Repeat("a", 44) {
		t.Fatalf("storedName = %q", name)
	}
}
