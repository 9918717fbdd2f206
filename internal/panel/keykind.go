package panel

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Key kinds and panel flavors, as the request path learns them: from the key's prefix, then
// from the panel's refusals (explain). Part of the transport layer.

// KeyKind says which of the panel's APIs an API key is for.
type KeyKind int

const (
	// ClientKey is a client (account) key: ptlc_ on Pterodactyl, pacc_ on Pelican (plcn_
	// before beta25), or a key without a known prefix, made before prefixes existed.
	ClientKey KeyKind = iota
	// ApplicationKey is an application (admin) key: ptla_ on Pterodactyl, papp_ on Pelican
	// (peli_ before beta25).
	ApplicationKey
)

func (k KeyKind) String() string {
	if k == ApplicationKey {
		return "application key"
	}
	return "client key"
}

// Flavor is the kind of panel: Pterodactyl or its fork Pelican.
type Flavor int

const (
	// Pterodactyl is also what a key without a known prefix is taken for: only Pterodactyl
	// made keys without one.
	Pterodactyl Flavor = iota
	// Pelican is the fork, which alone has an API for database hosts.
	Pelican
)

func (f Flavor) String() string {
	if f == Pelican {
		return "Pelican"
	}
	return "Pterodactyl"
}

// keyPrefixes are the identifiers' prefixes the panels give their keys.
var keyPrefixes = []struct {
	prefix string
	kind   KeyKind
	flavor Flavor
}{
	{"ptlc_", ClientKey, Pterodactyl},
	{"ptla_", ApplicationKey, Pterodactyl},
	{"pacc_", ClientKey, Pelican},
	{"papp_", ApplicationKey, Pelican},
	{"plcn_", ClientKey, Pelican},
	{"peli_", ApplicationKey, Pelican},
}

// prefixOf tells what an API key's prefix says: its kind and its panel's flavor, and whether
// the prefix is known at all. An unknown one is a client key of Pterodactyl, which alone made
// keys without a prefix.
func prefixOf(apiKey string) (kind KeyKind, flavor Flavor, known bool) {
	for _, p := range keyPrefixes {
		if strings.HasPrefix(apiKey, p.prefix) {
			return p.kind, p.flavor, true
		}
	}
	return ClientKey, Pterodactyl, false
}

// keyPrefix is prefixOf with the prefix itself.
func keyPrefix(apiKey string) (prefix string, kind KeyKind, flavor Flavor, known bool) {
	for _, p := range keyPrefixes {
		if strings.HasPrefix(apiKey, p.prefix) {
			return p.prefix, p.kind, p.flavor, true
		}
	}
	return "", ClientKey, Pterodactyl, false
}

func knownPrefix(apiKey string) bool {
	_, _, known := prefixOf(apiKey)
	return known
}

// KindOf tells an API key's kind from its prefix. A key without a known prefix is taken for a
// client key; a Client corrects that from the panel's first refusal (Client.Kind).
func KindOf(apiKey string) KeyKind {
	kind, _, _ := prefixOf(apiKey)
	return kind
}

// FlavorOf tells the panel's flavor from an API key's prefix: Pelican for its prefixes,
// Pterodactyl otherwise. Pelican keeps the keys of a Pterodactyl panel it was migrated from,
// so a Client corrects it from the panel's answers where they prove otherwise
// (Client.Flavor).
func FlavorOf(apiKey string) Flavor {
	_, flavor, _ := prefixOf(apiKey)
	return flavor
}

// Kind returns the API key's kind: from its prefix, or, for a key without a known prefix,
// ApplicationKey once the client API has refused it as one.
func (cl *conn) Kind() KeyKind {
	if cl.appKey.Load() {
		return ApplicationKey
	}
	return ClientKey
}

// Flavor returns the panel's flavor: from the key's prefix, corrected once the panel refused
// Pterodactyl's spelling of a server filter.
func (cl *conn) Flavor() Flavor {
	if cl.pelican.Load() {
		return Pelican
	}
	return Pterodactyl
}

// explain turns the refusals particular to one API into what they mean: on the client API, a
// key without a known prefix refused as an application key switches the Client to the
// application API (*kindSwitchedError); on the application API, a user who is not an admin is
// a *NotAdminError.
func (cl *conn) explain(ctx context.Context, c call, err error) error {
	switch {
	case c.api == clientAPI && cl.kindGuessed && detailIs(err, http.StatusForbidden, detailApplicationKey):
		if cl.appKey.CompareAndSwap(false, true) {
			cl.log.Warn(ctx, "the API key is an application key: using the application API", map[string]any{"operation": c.op})
		}
		return &kindSwitchedError{err: err}
	case c.api == applicationAPI && detailIs(err, http.StatusForbidden, detailNotAdmin):
		return &NotAdminError{Operation: c.op, Err: err}
	case IsUnauthorized(err):
		if p, _, flavor, known := keyPrefix(cl.apiKey); known {
			return &RefusedKeyError{Err: err, Prefix: p, Flavor: flavor}
		}
	}
	return err
}

// RefusedKeyError is a 401 for a key whose prefix tells which panel made it: a key of one
// panel given to the other is refused this way, and the prefix says so.
type RefusedKeyError struct {
	Err    error
	Prefix string // such as "pacc_"
	Flavor Flavor // the panel that gives keys this prefix
}

func (e *RefusedKeyError) Error() string { return e.Err.Error() }
func (e *RefusedKeyError) Unwrap() error { return e.Err }

// kindSwitchedError is the client API refusing a key without a known prefix as an
// application key. The Client has switched to the application API since, where the call is
// made again (retrySwitched). Nothing was applied: the refusal comes before the controller.
type kindSwitchedError struct{ err error }

func (e *kindSwitchedError) Error() string { return e.err.Error() }
func (e *kindSwitchedError) Unwrap() error { return e.err }

func kindSwitched(err error) bool {
	var ks *kindSwitchedError
	return errors.As(err, &ks)
}

// retrySwitched runs f, and once more if the key turned out to be an application key: f
// looks at Kind, so the second run goes through the application API.
func retrySwitched[T any](f func() (T, error)) (T, error) {
	v, err := f()
	if kindSwitched(err) {
		return f()
	}
	return v, err
}
