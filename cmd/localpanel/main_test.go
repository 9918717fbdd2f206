package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

func TestStartSeedsAndServes(t *testing.T) {
	for _, flavor := range []string{"pterodactyl", "pelican"} {
		t.Run(flavor, func(t *testing.T) {
			lp, err := start(flavor, "", "127.0.0.1:0", defaultSeed(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer lp.close()
			var out bytes.Buffer
			if err := lp.describe(&out); err != nil {
				t.Fatal(err)
			}
			name := flavor
			if flavor == "pterodactyl" {
				name += " 1.11"
			}
			for _, want := range []string{"local " + name + " panel listening at " + lp.url, "identifier 1a7ce997", "internal id 12", "export PTERODACTYL_API_KEY="} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("description lacks %q:\n%s", want, out.String())
				}
			}
			env := lp.env()
			for _, want := range []string{"PTERODACTYL_PANEL_URL=" + lp.url + "\n", "LOCALPANEL_SERVER_ID=1a7ce997\n", "LOCALPANEL_KEY_NO_VIEW=", "PTERODACTYL_API_KEY=" + lp.keys[0].Token} {
				if !strings.Contains(env, want) {
					t.Errorf("env lacks %q:\n%s", want, env)
				}
			}
			// The owner key reads the server; the no-view key lacks the view permission.
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, lp.url+"/api/client/servers/1a7ce997", nil)
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Authorization", "Bearer "+lp.keys[1].Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = resp.Body.Close() }()
			var body bytes.Buffer
			_, _ = body.ReadFrom(resp.Body)
			if resp.StatusCode != 200 || strings.Contains(body.String(), "view") || !strings.Contains(body.String(), "database.read") {
				t.Fatalf("no-view key: HTTP %d %s", resp.StatusCode, body.String())
			}
		})
	}
}

// -h prints the flags and the seed file's fields, and is not an error.
func TestHelpIsNotAnError(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-h"}, &out); err != nil {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{"-flavor", "-seed", "-database-dsn", `"database_host"`, `"database_port"`, `"database_hosts"`, `"internal_id"`,
		`"database_limit"`, `"description"`, `"external_id"`, `"permissions"`, `"root_admin"`, `"application"`, `"acl"`, `"user"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not mention %s:\n%s", want, out.String())
		}
	}
	if err := run([]string{"-no-such-flag"}, &out); err == nil {
		t.Error("an unknown flag is not an error")
	}
}

func TestStartRefusesBadFlags(t *testing.T) {
	if _, err := start("pterodactyl", "1.13", "127.0.0.1:0", defaultSeed(), nil); err == nil || !strings.Contains(err.Error(), "-panel-version must be 1.11 or 1.12") {
		t.Fatalf("error = %v, want the versions named", err)
	}
	lp, err := start("pterodactyl", "1.12", "127.0.0.1:0", defaultSeed(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := lp.describe(&out); err != nil || !strings.Contains(out.String(), "local pterodactyl 1.12 panel listening at") {
		t.Fatalf("description %q, %v; want the version", out.String(), err)
	}
	lp.close()
	if _, err := start("wings", "", "127.0.0.1:0", defaultSeed(), nil); err == nil || !strings.Contains(err.Error(), "-flavor must be") {
		t.Errorf("bad flavor: %v", err)
	}
	if _, err := start("pelican", "", "0.0.0.0:0", defaultSeed(), nil); err == nil || !strings.Contains(err.Error(), "only listens on loopback") {
		t.Errorf("non-loopback listen: %v", err)
	}
}

func TestSeedFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(good, []byte(`{"servers":[{"identifier":"0badc0de","internal_id":3,"database_limit":2}],
		"keys":[{"name":"ci","token":"ptlc_cicicicicicicicicicicicicicicicicicicicicicicici","permissions":["database.read","database.view-password"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	seed, err := readSeed(good)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := start("pterodactyl", "", "127.0.0.1:0", seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lp.close()
	srv, ok := lp.panel.Server("0badc0de")
	if !ok || srv.InternalID != 3 || srv.DatabaseLimit == nil || *srv.DatabaseLimit != 2 {
		t.Fatalf("seeded server = %+v", srv)
	}
	if lp.keys[0].Token != "ptlc_cicicicicicicicicicicicicicicicicicicicicicicici" {
		t.Fatalf("token not kept: %s", lp.keys[0].Token)
	}
	var out bytes.Buffer
	if err := lp.describe(&out); err != nil || !strings.Contains(out.String(), "ptlc_cicicicicicicicicicicicicicicicicicicicicicicici (client key)\n") {
		t.Errorf("a key without a description is described as %q, %v; want its kind alone", out.String(), err)
	}
	if got := lp.keys[0].Seed.key(paneltest.Pterodactyl, lp.servers).Servers["0badc0de"]; got[1] != "database.view_password" {
		t.Fatalf("view permission not given in the flavor's spelling: %v", got)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"servers":[],"keys":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readSeed(bad); err == nil || !strings.Contains(err.Error(), "no servers") {
		t.Errorf("empty seed: %v", err)
	}
	if err := os.WriteFile(bad, []byte(`{"servers":[{}],"unknown":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readSeed(bad); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("unknown field: %v", err)
	}
}

// dropRecorder is a database host that only remembers what it was asked to drop.
type dropRecorder struct{ dropped []string }

func (h *dropRecorder) Address() (string, int) { return "127.0.0.1", 33306 }
func (h *dropRecorder) CreateDatabase(context.Context, paneltest.BackendDatabase) error {
	return nil
}
func (h *dropRecorder) RotatePassword(context.Context, paneltest.BackendDatabase) error {
	return nil
}
func (h *dropRecorder) DropDatabase(_ context.Context, d paneltest.BackendDatabase) error {
	h.dropped = append(h.dropped, d.Name)
	return nil
}

func TestDatabaseHostBackend(t *testing.T) {
	host := &dropRecorder{}
	lp, err := start("pelican", "", "127.0.0.1:0", defaultSeed(), host)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := lp.describe(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "made on the MySQL/MariaDB server at 127.0.0.1:33306") {
		t.Errorf("description does not name the database host:\n%s", out.String())
	}
	db := lp.panel.AddDatabase("1a7ce997", "game", "")
	if db.Host != "127.0.0.1" || db.Port != 33306 {
		t.Errorf("the panel reports %s:%d, not the database host's address", db.Host, db.Port)
	}
	lp.close()
	if len(host.dropped) != 1 || host.dropped[0] != "s12_game" {
		t.Fatalf("on close the host dropped %v, want [s12_game]", host.dropped)
	}

	var stdout bytes.Buffer
	if err := run([]string{"-database-dsn", "admin:pw@unix(/run/mysqld/mysqld.sock)/"}, &stdout); err == nil || !strings.Contains(err.Error(), "-database-dsn: database host DSN: use tcp(host:port)") {
		t.Errorf("socket DSN: %v", err)
	}
}

// get calls the panel with a key and returns the status and body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	return resp.StatusCode, body.String()
}

func TestDefaultSeedHasAnAdmin(t *testing.T) {
	for flavor, prefix := range map[string]string{"pterodactyl": "ptla_", "pelican": "papp_"} {
		t.Run(flavor, func(t *testing.T) {
			lp, err := start(flavor, "", "127.0.0.1:0", defaultSeed(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer lp.close()
			app, ok := lp.firstKey(SeedKey.isApplication)
			admin, _ := lp.firstKey(func(k SeedKey) bool { return k.RootAdmin })
			if !ok || !strings.HasPrefix(app, prefix) || admin == "" {
				t.Fatalf("application key %q, admin key %q", app, admin)
			}
			env := lp.env()
			for _, want := range []string{"LOCALPANEL_APPLICATION_KEY=" + app + "\n", "LOCALPANEL_ADMIN_KEY=" + admin + "\n",
				"LOCALPANEL_SERVER_INTERNAL_ID=12\n", "LOCALPANEL_DATABASE_HOST_ID=1\n", "PTERODACTYL_API_KEY=" + lp.keys[0].Token + "\n"} {
				if !strings.Contains(env, want) {
					t.Errorf("env lacks %q:\n%s", want, env)
				}
			}
			var out bytes.Buffer
			if err := lp.describe(&out); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"database host \"Host 1\": id 1, 127.0.0.1:3306", "(application key: ", "(root admin's client key: ",
				"for admin mode, with the application key:\n  export PTERODACTYL_API_KEY=" + app} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("description lacks %q:\n%s", want, out.String())
				}
			}
			// Both admin keys use the application API; the owner's may not.
			for token, want := range map[string]int{app: 200, admin: 200, lp.keys[0].Token: 403} {
				if status, body := get(t, lp.url+"/api/application/servers/12/databases", token); status != want {
					t.Errorf("application API with %s: %d %s, want %d", token[:5], status, body, want)
				}
			}
			if status, body := get(t, lp.url+"/api/client/servers/1a7ce997/databases", admin); status != 200 {
				t.Errorf("client API with the admin's key: %d %s", status, body)
			}
		})
	}
}

func TestSeedFileKeysOfEveryKind(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "seed.json")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"database_hosts":2,"servers":[{"internal_id":3}],"keys":[
		{"name":"reader","application":true,"acl":{"server_databases":1,"database_host":3},"user":"ops"},
		{"name":"ops","root_admin":true,"user":"ops"}]}`)
	seed, err := readSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	for flavor, want := range map[paneltest.Flavor]map[string]int{
		paneltest.Pterodactyl: {"server_databases": 1, "database_hosts": 3},
		paneltest.Pelican:     {"server_database": 1, "database_host": 3},
	} {
		k := seed.Keys[0].key(flavor, nil)
		if !k.Application || k.User != "ops" || len(k.ACL) != 2 || k.ACL[paneltest.ACLResourcesOf(flavor).ServerDatabases] != want[paneltest.ACLResourcesOf(flavor).ServerDatabases] ||
			k.ACL[paneltest.ACLResourcesOf(flavor).DatabaseHosts] != 3 || k.Servers != nil {
			t.Errorf("%s: application key = %+v, want ACL %v", flavor, k, want)
		}
		if admin := seed.Keys[1].key(flavor, nil); !admin.RootAdmin || admin.Application || admin.User != "ops" {
			t.Errorf("%s: admin key = %+v", flavor, admin)
		}
	}
	lp, err := start("pelican", "", "127.0.0.1:0", seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lp.close()
	if n := len(lp.panel.DatabaseHosts()); n != 2 {
		t.Fatalf("%d database hosts, want 2", n)
	}
	// The ACL holds: the reader reads databases but may not create them.
	if status, _ := get(t, lp.url+"/api/application/servers/3/databases", lp.keys[0].Token); status != 200 {
		t.Fatalf("reader: %d", status)
	}
	if status, _ := get(t, lp.url+"/api/application/servers", lp.keys[0].Token); status != 403 {
		t.Fatalf("reader on servers: %d, want 403", status)
	}

	for body, want := range map[string]string{
		`{"servers":[{}],"keys":[{"name":"x","application":true,"root_admin":true}]}`:       "choose one",
		`{"servers":[{}],"keys":[{"name":"x","application":true,"permissions":["*"]}]}`:     "permissions are for a client key",
		`{"servers":[{}],"keys":[{"name":"x","root_admin":true,"permissions":["*"]}]}`:      "permissions are for a client key",
		`{"servers":[{}],"keys":[{"name":"x","permissions":["*"],"acl":{"servers":1}}]}`:    "acl is for application keys",
		`{"servers":[{}],"keys":[{"name":"x","application":true,"acl":{"allocations":1}}]}`: `acl resource "allocations"`,
		`{"servers":[{}],"keys":[{"name":"x","application":true,"acl":{"servers":4}}]}`:     `acl "servers" is 4`,
		`{"servers":[{}],"database_hosts":-1,"keys":[]}`:                                    "database_hosts is -1",
	} {
		write(body)
		if _, err := readSeed(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", body, err, want)
		}
	}
}
