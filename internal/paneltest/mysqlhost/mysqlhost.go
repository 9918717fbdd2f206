// Package mysqlhost is a paneltest.Backend that does on a real MySQL or MariaDB server what a
// Pterodactyl or Pelican panel does on its database host: CREATE DATABASE, CREATE USER ...
// IDENTIFIED BY and GRANT on create, ALTER USER on rotation, DROP USER and DROP DATABASE on
// delete. With it, the credentials the fake panel hands out log in for real.
//
// It lives apart from paneltest so that paneltest, which every test imports, keeps no SQL
// driver.
package mysqlhost

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// Host is a database host reached through an admin account that may create databases and
// users and grant privileges (ALL PRIVILEGES ON *.* WITH GRANT OPTION, as a panel's database
// host user has). It is safe for concurrent use.
type Host struct {
	db    *sql.DB
	addr  string
	host  string
	port  int
	login paneltest.HostLogin
	logf  func(format string, args ...any)
}

var (
	_ paneltest.Backend      = (*Host)(nil)
	_ paneltest.LoginChecker = (*Host)(nil)
)

// Config says how to reach the server.
type Config struct {
	// DSN is the admin account in go-sql-driver/mysql form, such as
	// "admin:secret@tcp(127.0.0.1:3306)/". It must name a TCP address: that host and port
	// are what the panel reports to its clients.
	DSN string
	// Logf, when set, receives one line per statement group (never a password).
	Logf func(format string, args ...any)
}

// grants is what the panel gives a database's user on its database: everything but GRANT
// OPTION (Pterodactyl's DatabaseRepository::assignUserToDatabase).
const grants = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, REFERENCES, INDEX, LOCK TABLES, " +
	"CREATE ROUTINE, ALTER ROUTINE, EXECUTE, CREATE TEMPORARY TABLES, CREATE VIEW, SHOW VIEW, EVENT, TRIGGER"

// Open connects to the server and checks that the account answers.
func Open(ctx context.Context, c Config) (*Host, error) {
	cfg, err := mysql.ParseDSN(c.DSN)
	if err != nil {
		return nil, fmt.Errorf("database host DSN: %w", err)
	}
	if cfg.Net != "tcp" {
		return nil, fmt.Errorf("database host DSN: use tcp(host:port), not %s: the panel reports that address to its clients", cfg.Net)
	}
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("database host DSN: address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("database host DSN: port %q: %w", portText, err)
	}
	// Account statements take no server-side placeholders, so the driver quotes the values
	// into the text itself, with the escaping the server's SQL mode needs.
	cfg.InterpolateParams = true
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("database host DSN: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connecting to the database host at %s as %s: %w", cfg.Addr, cfg.User, err)
	}
	logf := c.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	login := paneltest.HostLogin{Host: host, Port: port, Username: cfg.User, Password: cfg.Passwd}
	return &Host{db: db, addr: cfg.Addr, host: host, port: port, login: login, logf: logf}, nil
}

// Close closes the connections.
func (h *Host) Close() error { return h.db.Close() }

// Address is the server's host and port, from the DSN.
func (h *Host) Address() (string, int) { return h.host, h.port }

// Login is the admin account of the DSN: the fake panel's own database hosts log in with it.
func (h *Host) Login() paneltest.HostLogin { return h.login }

// CheckLogin logs in as l to its "mysql" database and disconnects, the connection test Pelican
// makes when a database host is created or updated. The error never holds the password.
func (h *Host) CheckLogin(ctx context.Context, l paneltest.HostLogin) error {
	db, err := Connect(ctx, l.Host, l.Port, l.Username, l.Password, "mysql")
	if err != nil {
		err = fmt.Errorf("database host login %v: %w", l, redact(err, l.Password))
		h.logf("%v", err)
		return err
	}
	h.logf("database host login %v works", l)
	return db.Close()
}

// CreateDatabase makes the database, then the user with its password, then grants the user
// the database. When a step fails it undoes the earlier ones, so nothing is left half-made;
// a user that existed before is never dropped.
func (h *Host) CreateDatabase(ctx context.Context, d paneltest.BackendDatabase) error {
	if _, err := h.db.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(d.Name)); err != nil {
		return h.failed("CREATE DATABASE", d, err)
	}
	if _, err := h.db.ExecContext(ctx, "CREATE USER ?@? IDENTIFIED BY ?", d.Username, d.Remote, d.Password); err != nil {
		h.undo(ctx, d, false)
		return h.failed("CREATE USER", d, err)
	}
	if _, err := h.db.ExecContext(ctx, "GRANT "+grants+" ON "+grantTarget(d.Name)+" TO ?@?", d.Username, d.Remote); err != nil {
		h.undo(ctx, d, true)
		return h.failed("GRANT", d, err)
	}
	h.logf("database host %s: created database %s and user %s@%s", h.addr, d.Name, d.Username, d.Remote)
	return nil
}

// RotatePassword sets the user's password to d.Password.
func (h *Host) RotatePassword(ctx context.Context, d paneltest.BackendDatabase) error {
	if _, err := h.db.ExecContext(ctx, "ALTER USER ?@? IDENTIFIED BY ?", d.Username, d.Remote, d.Password); err != nil {
		return h.failed("ALTER USER", d, err)
	}
	h.logf("database host %s: new password for %s@%s", h.addr, d.Username, d.Remote)
	return nil
}

// DropDatabase drops the database and the user; either may be gone already.
func (h *Host) DropDatabase(ctx context.Context, d paneltest.BackendDatabase) error {
	if _, err := h.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(d.Name)); err != nil {
		return h.failed("DROP DATABASE", d, err)
	}
	if _, err := h.db.ExecContext(ctx, "DROP USER IF EXISTS ?@?", d.Username, d.Remote); err != nil {
		return h.failed("DROP USER", d, err)
	}
	h.logf("database host %s: dropped database %s and user %s@%s", h.addr, d.Name, d.Username, d.Remote)
	return nil
}

// DatabaseExists reports whether the server has a database of that name.
func (h *Host) DatabaseExists(ctx context.Context, name string) (bool, error) {
	var n int
	err := h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n)
	return n > 0, err
}

// UserExists reports whether the server has an account user@remote.
func (h *Host) UserExists(ctx context.Context, user, remote string) (bool, error) {
	var n int
	err := h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?", user, remote).Scan(&n)
	return n > 0, err
}

// undo drops what a failed create made, with a context of its own: the create's may be the
// reason it failed.
func (h *Host) undo(ctx context.Context, d paneltest.BackendDatabase, user bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if user {
		if _, err := h.db.ExecContext(ctx, "DROP USER IF EXISTS ?@?", d.Username, d.Remote); err != nil {
			h.logf("database host %s: undoing the create of %s: DROP USER: %v", h.addr, d.Name, redact(err, d.Password))
		}
	}
	if _, err := h.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(d.Name)); err != nil {
		h.logf("database host %s: undoing the create of %s: DROP DATABASE: %v", h.addr, d.Name, redact(err, d.Password))
	}
}

// failed logs and returns a step's error, without the password even where the server quotes
// the statement back.
func (h *Host) failed(step string, d paneltest.BackendDatabase, err error) error {
	err = fmt.Errorf("database host %s: %s for database %s, user %s@%s: %w", h.addr, step, d.Name, d.Username, d.Remote, redact(err, d.Password))
	h.logf("%v", err)
	return err
}

// redact replaces the password in err's text. An error that does not contain it is kept as
// it is, so errors.As still finds the driver's *mysql.MySQLError.
func redact(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "<password>"))
}

// quoteIdent quotes a database name for the statement text: identifiers take no placeholders.
func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// grantTarget is `name`.* for GRANT, where _ and % in a database name are wildcards: they are
// escaped so the grant covers exactly this database (s1_app must not also cover s12app).
func grantTarget(name string) string {
	r := strings.NewReplacer(`\`, `\\`, `_`, `\_`, `%`, `\%`)
	return quoteIdent(r.Replace(name)) + ".*"
}

// Connect logs in as a database's user, as a game server would, and checks the login with a
// ping. The caller closes the returned pool.
func Connect(ctx context.Context, host string, port int, user, password, database string) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.DBName = user, password, database
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(host, strconv.Itoa(port))
	cfg.Timeout = 10 * time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// IsAccessDenied reports whether err is the server refusing a login (error 1045), as it
// does for a wrong password.
func IsAccessDenied(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1045
}
