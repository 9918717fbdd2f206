package mysqlhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// openHost connects to the test server as its admin, with statements logged to the test.
func openHost(t *testing.T) *Host {
	t.Helper()
	h, err := Open(t.Context(), Config{DSN: DSNForTest(t), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// newPassword is a password like the panel's: letters and digits with some of ! @ = . + ^.
func newPassword() string {
	b := []byte("!@=.+^")
	for range 18 {
		b = append(b, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[rand.IntN(62)])
	}
	rand.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
	return string(b)
}

// unique makes names that do not collide with earlier runs on a long-lived server.
func unique(prefix string) string {
	return fmt.Sprintf("%s%x", prefix, time.Now().UnixNano()&0xffffff)
}

func mustExist(t *testing.T, h *Host, d paneltest.BackendDatabase, want bool) {
	t.Helper()
	db, err := h.DatabaseExists(t.Context(), d.Name)
	if err != nil {
		t.Fatal(err)
	}
	user, err := h.UserExists(t.Context(), d.Username, d.Remote)
	if err != nil {
		t.Fatal(err)
	}
	if db != want || user != want {
		t.Fatalf("database %s exists: %v, user %s@%s exists: %v; want %v", d.Name, db, d.Username, d.Remote, user, want)
	}
}

func login(t *testing.T, h *Host, d paneltest.BackendDatabase) error {
	t.Helper()
	host, port := h.Address()
	db, err := Connect(t.Context(), host, port, d.Username, d.Password, d.Name)
	if err != nil {
		return err
	}
	return db.Close()
}

// TestOnMariaDB runs everything that needs a server against one of them.
func TestOnMariaDB(t *testing.T) {
	h := openHost(t)
	t.Run("create, rotate, drop", func(t *testing.T) { testCreateRotateDrop(t, h) })
	t.Run("a failed create leaves nothing", func(t *testing.T) { testCreateLeavesNothing(t, h) })
	t.Run("errors never show the password", func(t *testing.T) { testRotateUnknownUser(t, h) })
	t.Run("the panel on this host", func(t *testing.T) { testPanelOnHost(t, h) })
	t.Run("logins of database hosts", func(t *testing.T) { testCheckLogin(t, h) })
	t.Run("the application API on this host", func(t *testing.T) { testApplicationOnHost(t, h) })
	t.Run("remotes the server reads", func(t *testing.T) { testRemoteForms(t, h) })
}

// testRemoteForms checks on the server what the provider's rules for remote stand on: a
// netmask lets the user log in from its network, CIDR notation does not on MariaDB (it is a
// host name there), and a host pattern may be 255 characters long, not 256.
func testRemoteForms(t *testing.T, h *Host) {
	ctx := t.Context()
	made := func(remote string) (paneltest.BackendDatabase, error) {
		d := paneltest.BackendDatabase{Name: unique("s1_remote_"), Username: unique("u1_"), Password: newPassword(), Remote: remote}
		err := h.CreateDatabase(ctx, d)
		if err == nil {
			t.Cleanup(func() { _ = h.DropDatabase(context.Background(), d) })
		}
		return d, err
	}
	netmask, err := made("127.0.0.0/255.0.0.0") // the provider's suggestion, for this machine's loopback
	if err != nil {
		t.Fatal(err)
	}
	if err := login(t, h, netmask); err != nil {
		t.Fatalf("a user made with a netmask remote cannot log in from its network: %v", err)
	}
	cidr, err := made("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	var version string
	if err := h.db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if err := login(t, h, cidr); strings.Contains(strings.ToLower(version), "mariadb") && err == nil {
		t.Fatalf("%s let a user made with a CIDR remote log in: the provider's warning says it does not", version)
	}
	if _, err := made(strings.Repeat("a", panel.RemoteMaxLength)); err != nil {
		t.Fatalf("a remote of %d characters: %v", panel.RemoteMaxLength, err)
	}
	if _, err := made(strings.Repeat("a", panel.RemoteMaxLength+1)); err == nil {
		t.Fatalf("the server took a remote of %d characters: panel.RemoteMaxLength is not its bound", panel.RemoteMaxLength+1)
	}
}

func testCreateRotateDrop(t *testing.T, h *Host) {
	ctx := t.Context()
	// An underscore in a GRANT is a wildcard; the user must get this database only.
	d := paneltest.BackendDatabase{Name: unique("s1_grant_"), Username: unique("u1_"), Password: newPassword(), Remote: "%"}
	lookalike := strings.Replace(d.Name, "_grant_", "_grantX", 1)
	if _, err := h.db.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(lookalike)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = h.db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+quoteIdent(lookalike))
	})

	if err := h.CreateDatabase(ctx, d); err != nil {
		t.Fatal(err)
	}
	mustExist(t, h, d, true)
	host, port := h.Address()
	db, err := Connect(ctx, host, port, d.Username, d.Password, d.Name)
	if err != nil {
		t.Fatalf("login with the password given at create: %v", err)
	}
	for _, stmt := range []string{"CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (7)", "CREATE VIEW v AS SELECT id FROM t"} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+quoteIdent(lookalike)+".t (id INT)"); err == nil {
		t.Fatalf("the grant on %s also covers %s", d.Name, lookalike)
	}
	var grantsText string
	rows, err := db.QueryContext(ctx, "SHOW GRANTS")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			t.Fatal(err)
		}
		grantsText += g + "\n"
	}
	_ = rows.Close()
	if strings.Contains(grantsText, "GRANT OPTION") || !strings.Contains(grantsText, "SELECT, INSERT") {
		t.Fatalf("grants:\n%s", grantsText)
	}
	_ = db.Close()

	old := d.Password
	d.Password = newPassword()
	if err := h.RotatePassword(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := login(t, h, paneltest.BackendDatabase{Name: d.Name, Username: d.Username, Password: old}); !IsAccessDenied(err) {
		t.Fatalf("login with the old password: %v, want access denied", err)
	}
	if err := login(t, h, d); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}

	if err := h.DropDatabase(ctx, d); err != nil {
		t.Fatal(err)
	}
	mustExist(t, h, d, false)
	if err := h.DropDatabase(ctx, d); err != nil {
		t.Fatalf("dropping again: %v", err)
	}
}

func testCreateLeavesNothing(t *testing.T, h *Host) {
	ctx := t.Context()
	taken := paneltest.BackendDatabase{Name: unique("s1_first"), Username: unique("u1_"), Password: newPassword(), Remote: "%"}
	if err := h.CreateDatabase(ctx, taken); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.DropDatabase(context.Background(), taken) })

	// CREATE USER fails: the user exists. The new database goes, the existing user stays.
	clash := paneltest.BackendDatabase{Name: unique("s1_second"), Username: taken.Username, Password: newPassword(), Remote: "%"}
	err := h.CreateDatabase(ctx, clash)
	if err == nil || !strings.Contains(err.Error(), "CREATE USER") {
		t.Fatalf("create with a taken user: %v", err)
	}
	if strings.Contains(err.Error(), clash.Password) {
		t.Fatalf("error shows the password: %v", err)
	}
	if ok, _ := h.DatabaseExists(ctx, clash.Name); ok {
		t.Fatal("the database of the failed create was left behind")
	}
	mustExist(t, h, taken, true)

	// CREATE DATABASE fails: the name exists. Nothing of the other database is touched.
	again := paneltest.BackendDatabase{Name: taken.Name, Username: unique("u1_"), Password: newPassword(), Remote: "%"}
	if err := h.CreateDatabase(ctx, again); err == nil || !strings.Contains(err.Error(), "CREATE DATABASE") {
		t.Fatalf("create with a taken name: %v", err)
	}
	mustExist(t, h, taken, true)
	if ok, _ := h.UserExists(ctx, again.Username, "%"); ok {
		t.Fatal("a user was made for a failed create")
	}
	if err := login(t, h, taken); err != nil {
		t.Fatalf("the first database's login broke: %v", err)
	}
}

func testRotateUnknownUser(t *testing.T, h *Host) {
	d := paneltest.BackendDatabase{Name: "s1_none", Username: unique("u1_"), Password: newPassword(), Remote: "%"}
	err := h.RotatePassword(t.Context(), d)
	if err == nil || strings.Contains(err.Error(), d.Password) {
		t.Fatalf("rotate of an unknown user: %v", err)
	}
}

// testPanelOnHost drives the fake panel over HTTP with this backend: the host it reports is
// the server's, its credentials log in, and a failure on the server is a 500 that leaves
// nothing on either side.
func testPanelOnHost(t *testing.T, h *Host) {
	for i, flavor := range []paneltest.Flavor{paneltest.Pterodactyl, paneltest.Pelican} {
		t.Run(string(flavor), func(t *testing.T) {
			p := paneltest.Start(t, paneltest.Options{Flavor: flavor, CreateRateLimit: -1, Backend: h})
			srv := p.AddServer(paneltest.Server{InternalID: 9000 + i + int(time.Now().UnixNano()%1000)*2})
			key := p.AddKey(paneltest.Key{Servers: map[string][]string{srv.Identifier: {"*"}}})
			base := p.URL() + "/api/client/servers/" + srv.Identifier + "/databases"

			status, body := call(t, key, http.MethodPost, base, `{"database":"app","remote":"%"}`)
			if status != http.StatusOK {
				t.Fatalf("create: %d %s", status, body)
			}
			a := body["attributes"].(map[string]any) //nolint:forcetypeassert // checked by the status
			host, port := h.Address()
			if hm := a["host"].(map[string]any); hm["address"] != host || int(hm["port"].(float64)) != port { //nolint:forcetypeassert // the panel's shape
				t.Fatalf("host = %v, want %s:%d", hm, host, port)
			}
			d := fromPanel(p, srv.Identifier)
			if err := login(t, h, d); err != nil {
				t.Fatalf("login with the created credentials: %v", err)
			}

			// The server already has a database of the next name: the create fails there, the
			// panel answers 500 and records nothing, and no user is left behind.
			taken := fmt.Sprintf("s%d_taken", srv.InternalID)
			if _, err := h.db.ExecContext(t.Context(), "CREATE DATABASE "+quoteIdent(taken)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = h.db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+quoteIdent(taken)) })
			usersBefore := countUsers(t, h, srv.InternalID)
			if status, body := call(t, key, http.MethodPost, base, `{"database":"taken","remote":"%"}`); status != http.StatusInternalServerError {
				t.Fatalf("create over an existing database: %d %v", status, body)
			}
			if n := len(p.Databases(srv.Identifier)); n != 1 {
				t.Fatalf("the panel has %d databases after a failed create, want 1", n)
			}
			if n := countUsers(t, h, srv.InternalID); n != usersBefore {
				t.Fatalf("users of the server: %d before the failed create, %d after", usersBefore, n)
			}

			status, body = call(t, key, http.MethodPost, base+"/"+fmt.Sprint(a["id"])+"/rotate-password", "")
			if status != http.StatusOK {
				t.Fatalf("rotate: %d %v", status, body)
			}
			old := d
			d = fromPanel(p, srv.Identifier)
			if err := login(t, h, old); !IsAccessDenied(err) {
				t.Fatalf("old password after rotate: %v", err)
			}
			if err := login(t, h, d); err != nil {
				t.Fatalf("new password after rotate: %v", err)
			}
			id := p.Databases(srv.Identifier)[0].ID
			d.Password = p.RotatePassword(srv.Identifier, id)
			if err := login(t, h, d); err != nil {
				t.Fatalf("password after an out-of-band rotation: %v", err)
			}

			if status, body := call(t, key, http.MethodDelete, base+"/"+fmt.Sprint(a["id"]), ""); status != http.StatusNoContent {
				t.Fatalf("delete: %d %v", status, body)
			}
			mustExist(t, h, d, false)

			seeded := p.AddDatabase(srv.Identifier, "seeded", "127.0.0.1")
			s := paneltest.BackendDatabase{Name: seeded.Name, Username: seeded.Username, Password: seeded.Password, Remote: seeded.Remote}
			if err := login(t, h, s); err != nil {
				t.Fatalf("login to a seeded database: %v", err)
			}
			p.DeleteDatabase(srv.Identifier, seeded.ID)
			mustExist(t, h, s, false)
		})
	}
}

func fromPanel(p *paneltest.Panel, server string) paneltest.BackendDatabase {
	d := p.Databases(server)[0]
	return paneltest.BackendDatabase{Name: d.Name, Username: d.Username, Password: d.Password, Remote: d.Remote}
}

func countUsers(t *testing.T, h *Host, serverID int) int {
	t.Helper()
	var n int
	if err := h.db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM mysql.user WHERE User LIKE ?", fmt.Sprintf("u%d\\_%%", serverID)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func call(t *testing.T, key, method, url, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	req.RequestURI = ""
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestOpenRefusesWhatThePanelCannotReport(t *testing.T) {
	socket := "admin@unix(/run/mysqld/mysqld.sock)/"
	for dsn, want := range map[string]string{socket: "use tcp(host:port)", "not a dsn": "database host DSN"} {
		if _, err := Open(t.Context(), Config{DSN: dsn}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) = %v, want an error with %q", dsn, err, want)
		}
	}
}

func TestQuoting(t *testing.T) {
	if got := quoteIdent("a`b"); got != "`a``b`" {
		t.Errorf("quoteIdent = %s", got)
	}
	if got := grantTarget(`s1_a%b\c`); got != "`s1\\_a\\%b\\\\c`.*" {
		t.Errorf("grantTarget = %s", got)
	}
	secret := newPassword()
	err := redact(errors.New("near 'IDENTIFIED BY '"+secret+"'' at line 1"), secret)
	if strings.Contains(err.Error(), secret) {
		t.Errorf("redact kept the password: %v", err)
	}
	// A failing step's error and log line must not carry the password, even where the
	// server quotes the statement back.
	var logged strings.Builder
	h := &Host{addr: "127.0.0.1:3306", logf: func(format string, args ...any) { fmt.Fprintf(&logged, format, args...) }}
	d := paneltest.BackendDatabase{Name: "s1_x", Username: "u1_x", Password: secret, Remote: "%"}
	err = h.failed("CREATE USER", d, errors.New("near 'IDENTIFIED BY '"+secret+"'' at line 1"))
	if strings.Contains(err.Error(), secret) || strings.Contains(logged.String(), secret) || logged.Len() == 0 {
		t.Errorf("a failed step showed the password: %v / %q", err, logged.String())
	}
	me := &mysql.MySQLError{Number: 1045, Message: "Access denied"}
	if !IsAccessDenied(fmt.Errorf("wrapped: %w", redact(me, "other"))) {
		t.Error("redact without the password must keep the driver's error")
	}
}

func testCheckLogin(t *testing.T, h *Host) {
	admin := h.Login()
	if host, port := h.Address(); admin.Host != host || admin.Port != port || admin.Username == "" || admin.Password == "" {
		t.Fatalf("Login() = %v, address %s:%d", admin, host, port)
	}
	if err := h.CheckLogin(t.Context(), admin); err != nil {
		t.Fatalf("the admin account's login: %v", err)
	}
	wrong := admin
	wrong.Password = newPassword()
	err := h.CheckLogin(t.Context(), wrong)
	if !IsAccessDenied(err) || strings.Contains(err.Error(), wrong.Password) {
		t.Fatalf("a wrong password: %v", err)
	}
	closed := admin
	closed.Port = 1 // nothing listens there
	if err := h.CheckLogin(t.Context(), closed); err == nil {
		t.Fatal("a login to a closed port worked")
	}
}

// testApplicationOnHost drives the application API with this backend: Pelican's database hosts
// are checked by logging in to the server for real, and the databases made on them log in.
func testApplicationOnHost(t *testing.T, h *Host) {
	admin := h.Login()
	for i, flavor := range []paneltest.Flavor{paneltest.Pterodactyl, paneltest.Pelican} {
		t.Run(string(flavor), func(t *testing.T) {
			p := paneltest.Start(t, paneltest.Options{Flavor: flavor, Backend: h})
			srv := p.AddServer(paneltest.Server{InternalID: 9500 + i + int(time.Now().UnixNano()%1000)*2})
			key := p.AddKey(paneltest.Key{Application: true})
			hosts := p.URL() + "/api/application/database-hosts"
			hostID := 1
			if flavor == paneltest.Pelican {
				body := func(password string) string {
					return fmt.Sprintf(`{"name":"real","host":%q,"port":%d,"username":%q,"password":%q}`, admin.Host, admin.Port, admin.Username, password)
				}
				if status, out := call(t, key, http.MethodPost, hosts, body("wrong"+newPassword())); status != http.StatusInternalServerError {
					t.Fatalf("create with a wrong password: %d %v", status, out)
				}
				status, out := call(t, key, http.MethodPost, hosts, body(admin.Password))
				if status != http.StatusCreated {
					t.Fatalf("create with the right password: %d %v", status, out)
				}
				hostID = int(out["attributes"].(map[string]any)["id"].(float64)) //nolint:forcetypeassert // checked by the status
				// The seeded host logs in with the backend's account: an update without a
				// password keeps it and passes.
				update := fmt.Sprintf(`{"name":"seeded","host":%q,"port":%d,"username":%q}`, admin.Host, admin.Port, admin.Username)
				if status, out := call(t, key, http.MethodPatch, hosts+"/1", update); status != http.StatusOK {
					t.Fatalf("update without a password: %d %v", status, out)
				}
				if status, out := call(t, key, http.MethodPatch, hosts+"/1", body("wrong")); status != http.StatusInternalServerError {
					t.Fatalf("update with a wrong password: %d %v", status, out)
				}
			}
			base := fmt.Sprintf("%s/api/application/servers/%d/databases", p.URL(), srv.InternalID)
			status, out := call(t, key, http.MethodPost, base, fmt.Sprintf(`{"database":"app","remote":"%%","host":%d}`, hostID))
			if status != http.StatusCreated {
				t.Fatalf("create: %d %v", status, out)
			}
			d := fromPanel(p, srv.Identifier)
			if err := login(t, h, d); err != nil {
				t.Fatalf("login with the created credentials: %v", err)
			}
			id := fmt.Sprint(out["attributes"].(map[string]any)["id"]) //nolint:forcetypeassert // checked by the status
			if status, out := call(t, key, http.MethodPost, base+"/"+id+"/reset-password", ""); status != http.StatusNoContent {
				t.Fatalf("reset-password: %d %v", status, out)
			}
			old := d
			d = fromPanel(p, srv.Identifier)
			if err := login(t, h, old); !IsAccessDenied(err) {
				t.Fatalf("old password after reset: %v", err)
			}
			if err := login(t, h, d); err != nil {
				t.Fatalf("new password after reset: %v", err)
			}
			if status, out := call(t, key, http.MethodDelete, base+"/"+id, ""); status != http.StatusNoContent {
				t.Fatalf("delete: %d %v", status, out)
			}
			mustExist(t, h, d, false)
			if flavor == paneltest.Pelican {
				if status, out := call(t, key, http.MethodDelete, fmt.Sprintf("%s/%d", hosts, hostID), ""); status != http.StatusNoContent {
					t.Fatalf("delete host: %d %v", status, out)
				}
			}
		})
	}
}
