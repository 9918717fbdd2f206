package paneltest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Key is a user's API key. Each key stands for its own user, so rate limits are per key.
type Key struct {
	// Token is the full 48-char key; generated when empty ("ptlc_" + 43 alnum on
	// Pterodactyl, "pacc_" + 43 on Pelican; "ptla_"/"papp_" for application keys).
	Token string
	// Application marks an application key: client routes answer 403 with the panel's text.
	Application bool
	// RootAdmin sees every server with permissions ["*"].
	RootAdmin bool
	// Servers maps server identifier (the UUID is accepted too) to the user's permissions on
	// that server. []string{"*"} means owner. A server absent from the map (and not
	// RootAdmin) is invisible: 404.
	Servers map[string][]string
}

// keyRec is the stored form of a Key, deep-copied so callers cannot race with handlers.
type keyRec struct {
	token       string
	application bool
	rootAdmin   bool
	servers     map[string][]string
}

// AddKey registers a key and returns its token. It panics if the token is already taken.
func (p *Panel) AddKey(k Key) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k.Token == "" {
		if t := p.keyPrefix(k.Application) + randomString(43); p.keys[t] == nil {
			k.Token = t
		}
	}
	if p.keys[k.Token] != nil {
		panic(fmt.Sprintf("paneltest: duplicate key %q", k.Token))
	}
	rec := &keyRec{token: k.Token, application: k.Application, rootAdmin: k.RootAdmin, servers: map[string][]string{}}
	for id, perms := range k.Servers {
		rec.servers[id] = slices.Clone(perms)
	}
	p.keys[k.Token] = rec
	return k.Token
}

// keyPrefix is the identifier prefix of newly created keys on this flavor (1.8+ / beta25+).
func (p *Panel) keyPrefix(application bool) string {
	switch {
	case p.opts.Flavor == Pelican && application:
		return "papp_"
	case p.opts.Flavor == Pelican:
		return "pacc_"
	case application:
		return "ptla_"
	default:
		return "ptlc_"
	}
}

// ViewPasswordPermission returns the flavor's spelling of the permission that reveals
// database passwords: "database.view_password" or, on Pelican, "database.view-password".
func (p *Panel) ViewPasswordPermission() string { return viewPermission(p.opts.Flavor) }

func viewPermission(f Flavor) string {
	if f == Pelican {
		return "database.view-password"
	}
	return "database.view_password"
}

// AllDatabasePermissions returns read, create, update, delete and the flavor's view
// permission: everything a subuser needs for the database routes.
func AllDatabasePermissions(f Flavor) []string {
	return []string{"database.read", "database.create", "database.update", "database.delete", viewPermission(f)}
}

// authenticate finds the key of a request the way Laravel's bearerToken does: the text after
// the last "Bearer " (any case), cut at a comma. p.mu is held.
func (p *Panel) authenticate(r *http.Request) *keyRec {
	h := r.Header.Get("Authorization")
	i := strings.LastIndex(strings.ToLower(h), "bearer ")
	if i < 0 {
		return nil
	}
	token, _, _ := strings.Cut(h[i+len("bearer "):], ",")
	if token == "" {
		return nil
	}
	return p.keys[token]
}

// access returns the user's permissions on s, and whether s is visible at all.
func (k *keyRec) access(s *Server) ([]string, bool) {
	if k.rootAdmin {
		return []string{"*"}, true
	}
	if perms, ok := k.servers[s.Identifier]; ok {
		return perms, true
	}
	perms, ok := k.servers[s.UUID]
	return perms, ok
}

// owns reports whether the key's user is the server owner (not merely an admin).
func (k *keyRec) owns(s *Server) bool {
	perms, ok := k.servers[s.Identifier]
	if !ok {
		perms = k.servers[s.UUID]
	}
	return slices.Contains(perms, "*")
}

// hasPermission is ServerPolicy: "*" (owner or admin) passes every check.
func hasPermission(perms []string, want string) bool {
	return slices.Contains(perms, "*") || slices.Contains(perms, want)
}
