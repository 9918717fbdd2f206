// Command localpanel serves an in-memory Pterodactyl or Pelican panel on a loopback port,
// seeded with a server, a database host and API keys (client keys, a root admin's client key
// and an application key), for trying the provider, for `make demo`, and for testing
// configurations and modules without a real panel. State lives as long as the
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
	version := fs.String("panel-version", paneltest.Version111, "Pterodactyl release to imitate: "+paneltest.Version111+", or "+
		paneltest.Version112+", which throttles database creates to 2 a minute per server (Pelican always does)")
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	seedFile := fs.String("seed", "", "JSON file with servers, database hosts and keys to seed instead of the defaults")
	envFile := fs.String("env-file", "", "also write PTERODACTYL_* and LOCALPANEL_* variables for the seeded panel to this file")
	dsn := fs.String("database-dsn", "", "admin DSN of a MySQL or MariaDB server, such as admin:secret@tcp(127.0.0.1:3306)/,\n"+
		"on which to create, rotate and drop the databases and users for real; default $"+envDatabaseDSN+".\n"+
		"Without one, databases live in memory only")
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: localpanel [flags]\n\nServes an in-memory Pterodactyl or Pelican panel on a loopback port, "+
			"seeded with a server, a database host and API keys for both of its APIs.\n\nFlags:\n")
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
	lp, err := start(*flavor, *version, *listen, seed, backend)
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

// start serves a seeded panel of the flavor and, for Pterodactyl, the version ("" for 1.11);
// backend, when not nil, is its database host.
func start(flavor, version, listen string, seed Seed, backend paneltest.Backend) (*localPanel, error) {
	f := paneltest.Flavor(flavor)
	if f != paneltest.Pterodactyl && f != paneltest.Pelican {
		return nil, fmt.Errorf("-flavor must be pterodactyl or pelican, got %q", flavor)
	}
	switch version {
	case "", paneltest.Version111, paneltest.Version112:
	default:
		return nil, fmt.Errorf("-panel-version must be %s or %s, got %q", paneltest.Version111, paneltest.Version112, version)
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("-listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("-listen %q: the local panel only listens on loopback addresses", listen)
	}
	p := paneltest.New(paneltest.Options{Flavor: f, Version: version, DatabaseHost: seed.DatabaseHost, DatabasePort: seed.DatabasePort,
		DatabaseHosts: seed.DatabaseHosts, Backend: backend})
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
	b = fmt.Appendf(b, "local %s panel listening at %s\n", lp.panel.Describe(), lp.url)
	for _, s := range lp.servers {
		b = fmt.Appendf(b, "  server %q: identifier %s, uuid %s, internal id %d\n", s.Name, s.Identifier, s.UUID, s.InternalID)
	}
	for _, h := range lp.panel.DatabaseHosts() {
		b = fmt.Appendf(b, "  database host %q: id %d, %s\n", h.Name, h.ID, net.JoinHostPort(h.Host, strconv.Itoa(h.Port)))
	}
	for _, k := range lp.keys {
		about := k.Seed.kind()
		if k.Seed.Description != "" {
			about += ": " + k.Seed.Description
		}
		b = fmt.Appendf(b, "  API key %-12s %s (%s)\n", k.Seed.Name+":", k.Token, about)
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
	if k, ok := lp.firstKey(SeedKey.isApplication); ok && (len(lp.keys) == 0 || k != lp.keys[0].Token) {
		b = fmt.Appendf(b, "or, for admin mode, with the application key:\n  export PTERODACTYL_API_KEY=%s\n", k)
	}
	b = fmt.Appendf(b, "Stop it with Ctrl-C; its databases vanish with it.\n")
	_, err := w.Write(b)
	return err
}

// firstKey returns the token of the first seeded key that is.
func (lp *localPanel) firstKey(is func(SeedKey) bool) (string, bool) {
	for _, k := range lp.keys {
		if is(k.Seed) {
			return k.Token, true
		}
	}
	return "", false
}

// env renders the panel's settings as shell-style assignments: the provider's variables for
// the first key, every key by name, the first application key and root admin's client key
// for admin mode, and the first server and database host.
func (lp *localPanel) env() string {
	out := fmt.Sprintf("PTERODACTYL_PANEL_URL=%s\n", lp.url)
	for i, k := range lp.keys {
		if i == 0 {
			out += fmt.Sprintf("PTERODACTYL_API_KEY=%s\n", k.Token)
		}
		out += fmt.Sprintf("LOCALPANEL_KEY_%s=%s\n", envName(k.Seed.Name), k.Token)
	}
	if k, ok := lp.firstKey(SeedKey.isApplication); ok {
		out += fmt.Sprintf("LOCALPANEL_APPLICATION_KEY=%s\n", k)
	}
	if k, ok := lp.firstKey(func(k SeedKey) bool { return k.RootAdmin }); ok {
		out += fmt.Sprintf("LOCALPANEL_ADMIN_KEY=%s\n", k)
	}
	for i, s := range lp.servers {
		if i == 0 {
			out += fmt.Sprintf("LOCALPANEL_SERVER_ID=%s\nLOCALPANEL_SERVER_UUID=%s\nLOCALPANEL_SERVER_INTERNAL_ID=%d\n", s.Identifier, s.UUID, s.InternalID)
		}
	}
	if hosts := lp.panel.DatabaseHosts(); len(hosts) > 0 {
		out += fmt.Sprintf("LOCALPANEL_DATABASE_HOST_ID=%d\n", hosts[0].ID)
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
	DatabaseHost  string       `json:"database_host,omitempty"`
	DatabasePort  int          `json:"database_port,omitempty"`
	DatabaseHosts int          `json:"database_hosts,omitempty"`
	Servers       []SeedServer `json:"servers"`
	Keys          []SeedKey    `json:"keys"`
}

// seedHelp describes the -seed file, for -h.
const seedHelp = `
The -seed file is JSON. Every field may be left out but "servers" and "keys":
  {
    "database_host": "127.0.0.1",   the host the panel reports for its databases;
                                    default: 127.0.0.1, or the -database-dsn server's
    "database_port": 3306,          their port; default: 3306, or the -database-dsn server's
    "database_hosts": 1,            how many database hosts (ids 1, 2, …) at that address;
                                    default: 1
    "servers": [{
      "identifier": "1a7ce997",     8 hex characters; default: the UUID's first 8, or random
      "uuid": "1a7ce997-…",         begins with the identifier; default: made from it
      "internal_id": 12,            the number in database names (s12_app);
                                    default: one more than the highest so far
      "name": "minecraft",          default: "Server <internal_id>"
      "description": "…",           default: none
      "external_id": "billing-7",   for pterodactyl_server's external_id; default: none
      "database_limit": 5           how many databases the server may have; default: no limit
    }],
    "keys": [{
      "name": "owner",              printed beside the key
      "description": "…",           printed too
      "token": "ptlc_…",            default: random, with the flavor's prefix
      "permissions": ["*"],         a client key's, on every server: "*" or names such as
                                    "database.read", "database.create", "database.update",
                                    "database.delete", "database.view_password"
      "root_admin": true,           a client key of a root admin: every server, and the
                                    whole application API; no "permissions"
      "application": true,          an application key (ptla_/papp_) instead of a client key
      "acl": {"server_databases": 3},  an application key's permissions per resource: 1 read,
                                    2 write, 3 both, for "servers", "server_databases",
                                    "database_hosts" and "nodes" (Pelican's singular names
                                    work too);
                                    default: read and write on everything
      "user": "admin"               keys of one user share its rate-limit windows;
                                    default: each key is its own user
    }]
  }
`

// SeedServer is one server of a seed.
type SeedServer struct {
	Identifier    string `json:"identifier,omitempty"`
	UUID          string `json:"uuid,omitempty"`
	InternalID    int    `json:"internal_id,omitempty"`
	Name          string `json:"name,omitempty"`
	Description   string `json:"description,omitempty"`
	ExternalID    string `json:"external_id,omitempty"`
	DatabaseLimit *int   `json:"database_limit,omitempty"`
}

func (s SeedServer) server() paneltest.Server {
	return paneltest.Server{Identifier: s.Identifier, UUID: s.UUID, InternalID: s.InternalID, Name: s.Name,
		Description: s.Description, ExternalID: s.ExternalID, DatabaseLimit: s.DatabaseLimit}
}

// SeedKey is one API key of a seed: a client key with permissions on every server, a root
// admin's client key, or an application key.
type SeedKey struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Token       string `json:"token,omitempty"`
	// Permissions of a client key on every seeded server: "*" for the owner, or names such
	// as "database.read". The view permission may be written either way; it is given in the
	// flavor's spelling.
	Permissions []string `json:"permissions,omitempty"`
	// RootAdmin makes a root admin's client key: every server, and the application API.
	RootAdmin bool `json:"root_admin,omitempty"`
	// Application makes an application key, whose permissions are ACL.
	Application bool `json:"application,omitempty"`
	// ACL is an application key's permissions by resource (1 read, 2 write); nil is read and
	// write on everything. Either flavor's resource names work.
	ACL map[string]int `json:"acl,omitempty"`
	// User groups keys under one user, who has one rate-limit window per API.
	User string `json:"user,omitempty"`
}

func (k SeedKey) isApplication() bool { return k.Application }

// kind is how describe names the key.
func (k SeedKey) kind() string {
	switch {
	case k.Application:
		return "application key"
	case k.RootAdmin:
		return "root admin's client key"
	default:
		return "client key"
	}
}

// aclNames maps each resource name a seed may use to the Pterodactyl and Pelican spellings.
var aclNames = map[string][2]string{
	"servers": {"servers", "server"}, "server": {"servers", "server"},
	"server_databases": {"server_databases", "server_database"}, "server_database": {"server_databases", "server_database"},
	"database_hosts": {"database_hosts", "database_host"}, "database_host": {"database_hosts", "database_host"},
	"nodes": {"nodes", "node"}, "node": {"nodes", "node"},
}

// check refuses what a key of its kind cannot have.
func (k SeedKey) check() error {
	switch {
	case k.Application && k.RootAdmin:
		return fmt.Errorf("key %q: an application key is not a root admin's client key: choose one", k.Name)
	case (k.Application || k.RootAdmin) && len(k.Permissions) > 0:
		return fmt.Errorf("key %q: permissions are for a client key on its servers; a %s has none", k.Name, k.kind())
	case !k.Application && k.ACL != nil:
		return fmt.Errorf("key %q: acl is for application keys", k.Name)
	}
	for name, bits := range k.ACL {
		if _, ok := aclNames[name]; !ok {
			return fmt.Errorf("key %q: acl resource %q: use servers, server_databases, database_hosts or nodes", k.Name, name)
		}
		if bits < 0 || bits > 3 {
			return fmt.Errorf("key %q: acl %q is %d: use 0 (none), 1 (read), 2 (write) or 3 (both)", k.Name, name, bits)
		}
	}
	return nil
}

func (k SeedKey) key(f paneltest.Flavor, servers []paneltest.Server) paneltest.Key {
	key := paneltest.Key{Token: k.Token, Application: k.Application, RootAdmin: k.RootAdmin, User: k.User}
	if k.ACL != nil {
		key.ACL = map[string]int{}
		for name, bits := range k.ACL {
			spelling := aclNames[name][0]
			if f == paneltest.Pelican {
				spelling = aclNames[name][1]
			}
			key.ACL[spelling] = bits
		}
	}
	if k.Application || k.RootAdmin {
		return key
	}
	perms := make([]string, 0, len(k.Permissions))
	for _, p := range k.Permissions {
		if p == "database.view_password" || p == "database.view-password" {
			p = viewPermission(f)
		}
		perms = append(perms, p)
	}
	key.Servers = map[string][]string{}
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

// defaultSeed is one demo server on one database host, its owner's key, a subuser key that may
// do everything with databases except see their passwords, and an admin with a client key and
// an application key, for admin mode.
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
			{Name: "admin", Description: "every server, and the whole application API", RootAdmin: true, User: "admin"},
			{Name: "application", Description: "the same admin's; read and write on everything", Application: true, User: "admin"},
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
	if seed.DatabaseHosts < 0 {
		return seed, fmt.Errorf("-seed %s: database_hosts is %d", path, seed.DatabaseHosts)
	}
	for _, k := range seed.Keys {
		if err := k.check(); err != nil {
			return seed, fmt.Errorf("-seed %s: %w", path, err)
		}
	}
	return seed, nil
}
