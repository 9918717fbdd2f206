package panel

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The panel's create rules (StoreDatabaseRequest): database is alpha_dash, 3 to 48 characters;
// remote matches /^[\w\-\/.%:]+$/. Laravel's alpha_dash also admits Unicode letters and
// marks; the ASCII subset checked here is the one every MySQL host accepts in a name.
const (
	NameMinLength = 3
	NameMaxLength = 48
)

var (
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	remoteRE = regexp.MustCompile(`^[A-Za-z0-9_\-/.%:]+$`)
	prefixRE = regexp.MustCompile(`^s([0-9]+)_`)
)

// ValidateName checks a database name the way the panel will. The error says which rule.
func ValidateName(name string) error {
	n := len([]rune(name))
	switch {
	case n < NameMinLength:
		return fmt.Errorf("must be at least %d characters long, got %d", NameMinLength, n)
	case n > NameMaxLength:
		return fmt.Errorf("must be at most %d characters long, got %d", NameMaxLength, n)
	case !nameRE.MatchString(name):
		return fmt.Errorf("may contain only letters A-Z and a-z, digits, underscores and dashes, got %q", name)
	}
	return nil
}

// ValidateRemote checks the host pattern the database user may connect from: "%" for
// anywhere, an IP address, a pattern such as 10.0.0.%, a network/mask, or a host name.
func ValidateRemote(remote string) error {
	if remote == "" {
		return fmt.Errorf("must not be empty; use %q to allow connections from anywhere", "%")
	}
	if len(remote) > RemoteMaxLength {
		return fmt.Errorf("must be at most %d characters long, the longest host MySQL and MariaDB take in a user "+
			"name, got %d", RemoteMaxLength, len(remote))
	}
	if !remoteRE.MatchString(remote) {
		msg := fmt.Sprintf("may contain only letters, digits and the characters _ - / . %% :, got %q", remote)
		if strings.Contains(remote, "*") {
			msg += `; MySQL's wildcard is %, not *: "%" for anywhere, or a pattern such as "10.0.0.%"`
		}
		return errors.New(msg)
	}
	return nil
}

// RemoteMaxLength is the longest host pattern MySQL (from 8.0.17) and MariaDB take in CREATE
// USER; a longer one fails there, inside the panel's transaction, as a generic 500
// (ERROR 1470 "is too long for host name (should be no longer than 255)" on MariaDB 10.11).
const RemoteMaxLength = 255

// PterodactylRemoteMaxLength is the length of Pterodactyl's databases.remote column: a string
// column under Schema::defaultStringLength(191) (app/Providers/AppServiceProvider.php). Without
// strict mode a longer remote is stored cut there while the database host keeps it whole, so
// the panel would show another remote than the user has. Pelican's column is 255 long.
const PterodactylRemoteMaxLength = 191

// CIDRRemote reports whether remote is in CIDR notation (10.0.0.0/8), which MySQL reads from
// 8.0.23 but MariaDB stores as part of the host name, so that nobody can log in as the user.
func CIDRRemote(remote string) bool { return cidrRE.MatchString(remote) }

var cidrRE = regexp.MustCompile(`^[0-9.]+/[0-9]{1,2}$|^[0-9a-fA-F:]+/[0-9]{1,3}$`)

// PrefixedName is the name the panel stores for a database called name on the server with
// the given internal id: "s{id}_" and then as much of name as fits in 48 characters.
func PrefixedName(internalID int, name string) string {
	prefix := "s" + strconv.Itoa(internalID) + "_"
	keep := max(NameMaxLength-len(prefix), 0)
	if len(name) > keep {
		name = name[:keep]
	}
	return prefix + name
}

// Truncated reports whether the panel would shorten name on that server.
func Truncated(internalID int, name string) bool {
	return PrefixedName(internalID, name) != "s"+strconv.Itoa(internalID)+"_"+name
}

// ShortName strips the "s{id}_" prefix the panel adds, returning the name as a user asked for
// it. A name without the prefix is returned unchanged.
func ShortName(stored string) string {
	return prefixRE.ReplaceAllString(stored, "")
}

// HasPrefix reports whether name carries the panel's "s{id}_" prefix.
func HasPrefix(name string) bool {
	return prefixRE.MatchString(name)
}

// SameServer reports whether two server references name the same server without asking the
// panel: the panel derives a server's 8-character short identifier from the first 8
// characters of its UUID, so both forms reduce to the same key.
func SameServer(a, b string) bool {
	return serverKey(a) == serverKey(b)
}

// ServerKey names a server the same way whether it is given by its identifier or its UUID.
func ServerKey(server string) string { return serverKey(server) }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// serverKey names a server the same way whether it was given by its 8-character identifier
// or by its UUID: both panels make the identifier the UUID's first 8 characters. Sharing,
// pacing and the create lock key on it, so both forms are one server everywhere.
func serverKey(server string) string {
	if uuidRE.MatchString(server) {
		return strings.ToLower(server[:8])
	}
	return strings.ToLower(server)
}
