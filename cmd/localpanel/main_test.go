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
			lp, err := start(flavor, "127.0.0.1:0", defaultSeed(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer lp.close()
			var out bytes.Buffer
			if err := lp.describe(&out); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"local " + flavor + " panel listening at " + lp.url, "identifier 1a7ce997", "internal id 12", "export PTERODACTYL_API_KEY="} {
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
	for _, want := range []string{"-flavor", "-seed", "-database-dsn", `"database_host"`, `"database_port"`, `"internal_id"`, `"database_limit"`, `"description"`, `"permissions"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not mention %s:\n%s", want, out.String())
		}
	}
	if err := run([]string{"-no-such-flag"}, &out); err == nil {
		t.Error("an unknown flag is not an error")
	}
}

func TestStartRefusesBadFlags(t *testing.T) {
	if _, err := start("wings", "127.0.0.1:0", defaultSeed(), nil); err == nil || !strings.Contains(err.Error(), "-flavor must be") {
		t.Errorf("bad flavor: %v", err)
	}
	if _, err := start("pelican", "0.0.0.0:0", defaultSeed(), nil); err == nil || !strings.Contains(err.Error(), "only listens on loopback") {
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
	lp, err := start("pterodactyl", "127.0.0.1:0", seed, nil)
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
	lp, err := start("pelican", "127.0.0.1:0", defaultSeed(), host)
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
