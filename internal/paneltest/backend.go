package paneltest

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Backend is the database host behind the panel. A real panel runs SQL on its MySQL host for
// each database: CREATE DATABASE, CREATE USER and GRANT on create, a new password on rotation,
// DROP on delete. The panel calls the Backend at those points, before it commits its own row,
// so a failing step answers 500 and changes nothing. The default Backend does nothing: the
// databases exist only in the panel's memory.
//
// The panel calls a Backend with its lock held, one call at a time.
type Backend interface {
	// Address is the host and port clients connect to. The panel reports it as host.address
	// and host.port unless Options.DatabaseHost or Options.DatabasePort say otherwise.
	Address() (host string, port int)
	// CreateDatabase makes the database and its user, granted everything on the database
	// except GRANT OPTION. On failure it leaves nothing behind.
	CreateDatabase(ctx context.Context, db BackendDatabase) error
	// RotatePassword gives the existing user db.Password, the new password.
	RotatePassword(ctx context.Context, db BackendDatabase) error
	// DropDatabase removes the database and its user; both may already be gone.
	DropDatabase(ctx context.Context, db BackendDatabase) error
}

// BackendDatabase is what a Backend needs to know about a database. Its String form leaves
// the password out, so logging one with %v or %+v is safe.
type BackendDatabase struct {
	// Name is the stored name, s{N}_ plus the requested name.
	Name     string
	Username string
	Password string
	// Remote is the host pattern the user may connect from (connections_from).
	Remote string
}

func (d BackendDatabase) String() string {
	return "database " + d.Name + " for " + d.Username + "@" + d.Remote
}

// GoString keeps the password out of %#v too.
func (d BackendDatabase) GoString() string { return d.String() }

// HostLogin is the account a panel uses on a database host. Its String form leaves the password
// out, so logging one with %v or %+v is safe.
type HostLogin struct {
	Host     string
	Port     int
	Username string
	Password string
}

func (l HostLogin) String() string {
	return l.Username + "@" + net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
}

// GoString keeps the password out of %#v too.
func (l HostLogin) GoString() string { return l.String() }

// LoginChecker is a Backend that can try a database host's login for real. Pelican connects
// to a database host with the given account whenever one is created or updated through its
// application API, and refuses the change when that fails. Without a LoginChecker (the default
// in-memory Backend), every login works unless Panel.SetHostLoginCheck says otherwise.
type LoginChecker interface {
	// CheckLogin connects to l.Host:l.Port as l.Username with l.Password, and says why it
	// could not.
	CheckLogin(ctx context.Context, l HostLogin) error
	// Login is the account the Backend itself uses. The database hosts the panel starts with
	// (Options.DatabaseHosts) log in with it, so that updating one without a new password
	// passes the check.
	Login() HostLogin
}

// memoryHost is the default Backend: nothing outside the panel's memory changes.
type memoryHost struct{}

func (memoryHost) Address() (string, int)                                { return "127.0.0.1", 3306 }
func (memoryHost) CreateDatabase(context.Context, BackendDatabase) error { return nil }
func (memoryHost) RotatePassword(context.Context, BackendDatabase) error { return nil }
func (memoryHost) DropDatabase(context.Context, BackendDatabase) error   { return nil }

// backendTimeout bounds one Backend call. Like PHP, the panel finishes what it started even
// when the client hangs up, so the call does not follow the request's context.
const backendTimeout = 30 * time.Second

func backendContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), backendTimeout)
}

// errBackend is what the panel answers when its database host fails: Laravel turns the
// QueryException into a 500 with the generic message.
func errBackend() *panelError {
	return newError(http.StatusInternalServerError, renderPage, "QueryException", msgUnexpected)
}

func (d *dbRec) backend() BackendDatabase {
	return BackendDatabase{Name: d.name, Username: d.username, Password: d.password, Remote: d.remote}
}

// mustBackend is for the test-side calls (AddDatabase, RotatePassword, DeleteDatabase), which
// have no error to return: a failing database host there stops the test loudly.
func mustBackend(op string, err error) {
	if err != nil {
		panic("paneltest: " + op + " on the database host: " + err.Error())
	}
}
