// Command localpanel serves an in-memory Pterodactyl or Pelican panel on a loopback port,
// seeded with a server and API keys, for trying the provider, for `make demo`, and for
// testing configurations and modules without a real panel. State lives as long as the
// process. With -database-dsn, the databases and users are also made on a real MySQL or
// MariaDB server, as a real panel makes them on its database host, so the credentials work.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest/mysqlhost"
)

// envDatabaseDSN is the default of -database-dsn; the environment keeps the admin password
// out of the process list.
const envDatabaseDSN = "LOCALPANEL_DATABASE_DSN"

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "localpanel:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("localpanel", flag.ContinueOnError)
	flavor := fs.String("flavor", "pterodactyl", "panel to imitate: pterodactyl or pelican")
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	seedFile := fs.String("seed", "", "JSON file with servers and keys to seed instead of the defaults")
	envFile := fs.String("env-file", "", "also write PTERODACTYL_* variables for the seeded panel to this file")
	dsn := fs.String("database-dsn", "", "admin DSN of a MySQL or MariaDB server, such as admin:secret@tcp(127.0.0.1:3306)/,\n"+
		"on which to create, rotate and drop the databases and users for real; default $"+envDatabaseDSN+".\n"+
		"Without one, databases live in memory only")
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: localpanel [flags]\n\nServes an in-memory Pterodactyl or Pelican panel on a loopback port, "+
			"seeded with a server and API keys.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprint(stdout, seedHelp)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h asked for the usage, which is printed
		}
		return err
	}
	if *dsn == "" {
		// Read here rather than as the flag's default, which -h would print, password and all.
		*dsn = os.Getenv(envDatabaseDSN)
	}
	var backend paneltest.Backend
	if *dsn != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		host, err := mysqlhost.Open(ctx, mysqlhost.Config{DSN: *dsn, Logf: func(format string, args ...any) {
			fmt.Fprintf(stdout, "localpanel: "+format+"\n", args...)
		}})
		cancel()
		if err != nil {
			return fmt.Errorf("-database-dsn: %w", err)
		}
		defer func() { _ = host.Close() }()
		backend = host
	}
	seed := defaultSeed()
	if *seedFile != "" {
		var err error
		if seed, err = readSeed(*seedFile); err != nil {
			return err
		}
	}
	lp, err := start(*flavor, *listen, seed, backend)
	if err != nil {
		return err
	}
	defer lp.close()

	if err := lp.describe(stdout); err != nil {
		return err
	}
	if *envFile != "" {
		if err := os.WriteFile(*envFile, []byte(lp.env()), 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", *envFile, err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
		return nil
	case err := <-lp.served:
		return err
	}
}

// localPanel is a started panel and what was seeded into it.
type localPanel struct {
	panel   *paneltest.Panel
	backend paneltest.Backend // nil: databases in memory only
	url     string
	servers []paneltest.Server
	keys    []seededKey
	srv     *http.Server
	served  chan error
}

type seededKey struct {
	Seed  SeedKey
	Token string
}

// start serves a seeded panel; backend, when not nil, is its database host.
func start(flavor, listen string, seed Seed, backend paneltest.Backend) (*localPanel, error) {
	f := paneltest.Flavor(flavor)
	if f != paneltest.Pterodactyl && f != paneltest.Pelican {
		return nil, fmt.Errorf("-flavor must be pterodactyl or pelican, got %q", flavor)
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("-listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("-listen %q: the local panel only listens on loopback addresses", listen)
	}
	p := paneltest.New(paneltest.Options{Flavor: f, DatabaseHost: seed.DatabaseHost, DatabasePort: seed.DatabasePort, Backend: backend})
	lp := &localPanel{panel: p, backend: backend, served: make(chan error, 1)}
	for _, s := range seed.Servers {
		lp.servers = append(lp.servers, p.AddServer(s.server()))
	}
	for _, k := range seed.Keys {
		token := p.AddKey(k.key(f, lp.servers))
		lp.keys = append(lp.keys, seededKey{Seed: k, Token: token})
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", listen)
	if err != nil {
		return nil, err
	}
	lp.url = "http://" + ln.Addr().String()
	lp.srv = &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { lp.served <- lp.srv.Serve(ln) }()
	return lp, nil
}

func (lp *localPanel) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := lp.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "localpanel: shutdown:", err)
	}
	lp.dropDatabases()
}

// dropDatabases keeps the promise that the databases vanish with the panel: on a real
// server they would outlive its memory, and the next run's creates would collide with them.
func (lp *localPanel) dropDatabases() {
	if lp.backend == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range lp.servers {
		for _, d := range lp.panel.Databases(s.Identifier) {
			err := lp.backend.DropDatabase(ctx, paneltest.BackendDatabase{Name: d.Name, Username: d.Username, Remote: d.Remote})
			if err != nil {
				fmt.Fprintln(os.Stderr, "localpanel: dropping what is left on the database host:", err)
			}
		}
	}
}

func (lp *localPanel) describe(w io.Writer) error {
	var b []byte
	b = fmt.Appendf(b, "local %s panel listening at %s\n", lp.panel.Flavor(), lp.url)
	for _, s := range lp.servers {
		b = fmt.Appendf(b, "  server %q: identifier %s, uuid %s, internal id %d\n", s.Name, s.Identifier, s.UUID, s.InternalID)
	}
	for _, k := range lp.keys {
		b = fmt.Appendf(b, "  API key %-12s %s (%s)\n", k.Seed.Name+":", k.Token, k.Seed.Description)
	}
	if lp.backend != nil {
		host, port := lp.backend.Address()
		b = fmt.Appendf(b, "  databases and users are made on the MySQL/MariaDB server at %s, so their credentials log in\n", net.JoinHostPort(host, strconv.Itoa(port)))
	} else {
		b = fmt.Appendf(b, "  databases live in memory only (-database-dsn makes them on a real MySQL/MariaDB server)\n")
	}
	b = fmt.Appendf(b, "Point the provider at it with:\n  export PTERODACTYL_PANEL_URL=%s\n", lp.url)
	if len(lp.keys) > 0 {
		b = fmt.Appendf(b, "  export PTERODACTYL_API_KEY=%s\n", lp.keys[0].Token)
	}
	b = fmt.Appendf(b, "Stop it with Ctrl-C; its databases vanish with it.\n")
	_, err := w.Write(b)
	return err
}

// env renders the panel's settings as shell-style assignments.
func (lp *localPanel) env() string {
	out := fmt.Sprintf("PTERODACTYL_PANEL_URL=%s\n", lp.url)
	for i, k := range lp.keys {
		if i == 0 {
			out += fmt.Sprintf("PTERODACTYL_API_KEY=%s\n", k.Token)
		}
		out += fmt.Sprintf("LOCALPANEL_KEY_%s=%s\n", envName(k.Seed.Name), k.Token)
	}
	for i, s := range lp.servers {
		if i == 0 {
			out += fmt.Sprintf("LOCALPANEL_SERVER_ID=%s\nLOCALPANEL_SERVER_UUID=%s\n", s.Identifier, s.UUID)
		}
	}
	return out
}

func envName(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

// Seed is what the panel starts with; the -seed file holds one as JSON.
type Seed struct {
	DatabaseHost string       `json:"database_host,omitempty"`
	DatabasePort int          `json:"database_port,omitempty"`
	Servers      []SeedServer `json:"servers"`
	Keys         []SeedKey    `json:"keys"`
}

// seedHelp describes the -seed file, for -h.
const seedHelp = `
The -seed file is JSON. Every field may be left out but "servers" and "keys":
  {
    "database_host": "127.0.0.1",   the host the panel reports for its databases;
                                    default: 127.0.0.1, or the -database-dsn server's
    "database_port": 3306,          their port; default: 3306, or the -database-dsn server's
    "servers": [{
      "identifier": "1a7ce997",     8 hex characters; default: the UUID's first 8, or random
      "uuid": "1a7ce997-…",         begins with the identifier; default: made from it
      "internal_id": 12,            the number in database names (s12_app);
                                    default: one more than the highest so far
      "name": "minecraft",          default: "Server <internal_id>"
      "database_limit": 5           how many databases the server may have; default: no limit
    }],
    "keys": [{
      "name": "owner",              printed beside the key
      "description": "…",           printed too
      "token": "ptlc_…",            default: random, with the flavor's prefix
      "permissions": ["*"]          on every server: "*" or names such as "database.read",
                                    "database.create", "database.update", "database.delete",
                                    "database.view_password"
    }]
  }
`

// SeedServer is one server of a seed.
type SeedServer struct {
	Identifier    string `json:"identifier,omitempty"`
	UUID          string `json:"uuid,omitempty"`
	InternalID    int    `json:"internal_id,omitempty"`
	Name          string `json:"name,omitempty"`
	DatabaseLimit *int   `json:"database_limit,omitempty"`
}

func (s SeedServer) server() paneltest.Server {
	return paneltest.Server{Identifier: s.Identifier, UUID: s.UUID, InternalID: s.InternalID, Name: s.Name, DatabaseLimit: s.DatabaseLimit}
}

// SeedKey is one client API key of a seed.
type SeedKey struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Token       string `json:"token,omitempty"`
	// Permissions on every seeded server: "*" for the owner, or names such as
	// "database.read". The view permission may be written either way; it is given in the
	// flavor's spelling.
	Permissions []string `json:"permissions"`
}

func (k SeedKey) key(f paneltest.Flavor, servers []paneltest.Server) paneltest.Key {
	perms := make([]string, 0, len(k.Permissions))
	for _, p := range k.Permissions {
		if p == "database.view_password" || p == "database.view-password" {
			p = viewPermission(f)
		}
		perms = append(perms, p)
	}
	key := paneltest.Key{Token: k.Token, Servers: map[string][]string{}}
	for _, s := range servers {
		key.Servers[s.Identifier] = perms
	}
	return key
}

func viewPermission(f paneltest.Flavor) string {
	if f == paneltest.Pelican {
		return "database.view-password"
	}
	return "database.view_password"
}

// defaultSeed is one demo server, its owner's key, and a subuser key that may do everything
// with databases except see their passwords.
func defaultSeed() Seed {
	return Seed{
		Servers: []SeedServer{{
			Identifier: "1a7ce997",
			UUID:       "1a7ce997-259b-452e-8b4e-cecc464142ca",
			InternalID: 12,
			Name:       "Demo Minecraft",
		}},
		Keys: []SeedKey{
			{Name: "owner", Description: "the server owner: every permission", Permissions: []string{"*"}},
			{Name: "no-view", Description: "a subuser without database.view_password", Permissions: []string{
				"database.read", "database.create", "database.update", "database.delete",
			}},
		},
	}
}

func readSeed(path string) (Seed, error) {
	var seed Seed
	b, err := os.ReadFile(path) //nolint:gosec // the user names the seed file on the command line
	if err != nil {
		return seed, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return seed, fmt.Errorf("-seed %s: %w", path, err)
	}
	if len(seed.Servers) == 0 {
		return seed, fmt.Errorf("-seed %s: no servers", path)
	}
	return seed, nil
}
