package panel_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

func listedNames(l *panel.ServerList) []string {
	var out []string
	for _, s := range l.Servers {
		out = append(out, s.Name)
	}
	return out
}

// Every page is followed, with the filters on each: 250 servers are three pages of 100, on
// either API; the client API lists what the key's user reaches.
func TestListServersFollowsEveryPage(t *testing.T) {
	eachPanelFlavor(t, func(t *testing.T, flavor paneltest.Flavor) {
		p := paneltest.Start(t, paneltest.Options{Flavor: flavor})
		owned := map[string][]string{}
		for i := range 250 {
			s := p.AddServer(paneltest.Server{Name: fmt.Sprintf("mc-%03d", i)})
			if i < 240 {
				owned[s.Identifier] = []string{"*"}
			}
		}
		for _, tc := range []struct {
			name  string
			key   paneltest.Key
			query panel.ServerQuery
			want  int
			pages int
		}{
			{"client key", paneltest.Key{Servers: owned}, panel.ServerQuery{}, 240, 3},
			{"root admin, admin-all", paneltest.Key{RootAdmin: true}, panel.ServerQuery{Scope: panel.ScopeAdminAll}, 250, 3},
			{"application key", paneltest.Key{Application: true}, panel.ServerQuery{}, 250, 3},
			{"application key, a name part", paneltest.Key{Application: true}, panel.ServerQuery{NameContains: "MC-1"}, 100, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := newClient(t, p.URL(), p.AddKey(tc.key))
				l, err := c.ListServers(t.Context(), tc.query)
				if err != nil {
					t.Fatal(err)
				}
				if len(l.Servers) != tc.want || l.Requests != tc.pages {
					t.Fatalf("%d servers in %d pages, want %d in %d", len(l.Servers), l.Requests, tc.want, tc.pages)
				}
				if !slices.IsSortedFunc(l.Servers, func(a, b panel.ServerInfo) int { return strings.Compare(a.Name, b.Name) }) {
					t.Fatal("the servers are not in the panel's order")
				}
			})
		}
	})
}

// A name or an external id that others contain is matched exactly after the panel's partial
// filter; names with spaces, %, _ and & reach the panel as they are.
func TestListServersMatchesExactly(t *testing.T) {
	eachPanelFlavor(t, func(t *testing.T, flavor paneltest.Flavor) {
		p := paneltest.Start(t, paneltest.Options{Flavor: flavor})
		for _, s := range []paneltest.Server{
			{Name: "lobby", ExternalID: "billing-7"}, {Name: "lobby-2", ExternalID: "billing-70"},
			{Name: "LOBBY"}, {Name: "50% off_sale & more"}, {Name: "50x off-sale & more"},
		} {
			p.AddServer(s)
		}
		app := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true}))
		admin := newClient(t, p.URL(), p.AddKey(paneltest.Key{RootAdmin: true}))
		for _, c := range []*panel.Client{app, admin} {
			scope := ""
			if c == admin {
				scope = panel.ScopeAdminAll
			}
			for q, want := range map[panel.ServerQuery][]string{
				{Name: "lobby", Scope: scope}:               {"lobby"},
				{NameContains: "lobby", Scope: scope}:       {"lobby", "lobby-2", "LOBBY"},
				{Name: "50% off_sale & more", Scope: scope}: {"50% off_sale & more"},
				{ExternalID: "billing-7", Scope: scope}:     {"lobby"},
				{ExternalID: "billing-", Scope: scope}:      nil,
				{Name: "nothing", Scope: scope}:             nil,
			} {
				l, err := c.ListServers(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				if got := listedNames(l); !slices.Equal(got, want) || len(l.Unsure) != 0 {
					t.Errorf("%+v: %q (unsure %d), want %q", q, got, len(l.Unsure), want)
				}
			}
		}
	})
}

// The client API never shows external ids, and its filter[*] also matches names and UUIDs: a
// server whose name contains the value cannot be confirmed, and is set apart.
func TestListServersExternalIDWithAClientKey(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{})
	p.AddServer(paneltest.Server{Name: "lobby", ExternalID: "billing-7"})
	p.AddServer(paneltest.Server{Name: "billing-7 backup", ExternalID: "billing-71"})
	p.AddServer(paneltest.Server{Name: "other", ExternalID: "billing-70"})
	c := newClient(t, p.URL(), p.AddKey(paneltest.Key{RootAdmin: true}))
	l, err := c.ListServers(t.Context(), panel.ServerQuery{ExternalID: "billing-7", Scope: panel.ScopeAdminAll})
	if err != nil {
		t.Fatal(err)
	}
	if got := listedNames(l); !slices.Equal(got, []string{"lobby"}) || len(l.Unsure) != 1 || l.Unsure[0].Name != "billing-7 backup" {
		t.Fatalf("confirmed %q, unsure %+v", got, l.Unsure)
	}
}

// A user who is not a root admin asking for every server gets an empty list from the panel;
// the client says why. An application key takes no scope.
func TestListServersAdminAllForANonAdmin(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{})
	s := p.AddServer(paneltest.Server{})
	c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Servers: map[string][]string{s.Identifier: {"*"}}}))
	l, err := c.ListServers(t.Context(), panel.ServerQuery{Scope: panel.ScopeAdminAll})
	if err != nil || len(l.Servers) != 0 || !l.NotAdmin {
		t.Fatalf("%+v, %v; want an empty list and NotAdmin", l, err)
	}
	app := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true}))
	if _, err := app.ListServers(t.Context(), panel.ServerQuery{Scope: panel.ScopeOwner}); err == nil {
		t.Fatal("an application key took a scope")
	}
}

// Listed servers are kept as server reads: a read after the list costs no request, on either
// API.
func TestListedServersAreKept(t *testing.T) {
	eachPanelFlavor(t, func(t *testing.T, flavor paneltest.Flavor) {
		p := paneltest.Start(t, paneltest.Options{Flavor: flavor})
		s := p.AddServer(paneltest.Server{Name: "lobby", DatabaseLimit: paneltest.Limit(3)})
		for _, key := range []paneltest.Key{{Servers: map[string][]string{s.Identifier: {"*"}}}, {Application: true}} {
			c := newClient(t, p.URL(), p.AddKey(key))
			if _, err := c.ListServers(t.Context(), panel.ServerQuery{Name: "lobby"}); err != nil {
				t.Fatal(err)
			}
			before := p.TotalRequests()
			srv, err := c.GetServer(t.Context(), strings.ToUpper(s.UUID))
			if err != nil || srv.InternalID != s.InternalID || *srv.DatabaseLimit != 3 || !srv.Can(panel.PermissionCreate) {
				t.Fatalf("%+v, %v", srv, err)
			}
			if n := p.TotalRequests() - before; n != 0 {
				t.Fatalf("a read of a listed server cost %d requests", n)
			}
		}
	})
}

// A panel whose pagination never ends is followed to the bound, then refused.
func TestListServersBoundsThePages(t *testing.T) {
	defer panel.SetMaxServerPages(5)()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"object":"list","data":[{"object":"server","attributes":{"identifier":"%08x","uuid":"%08x-0000-4000-8000-000000000000","internal_id":%d,"name":"s","feature_limits":{"databases":1}}}],`+
			`"meta":{"pagination":{"total":999999,"count":1,"per_page":100,"current_page":%d,"total_pages":%d,"links":{"next":"/api/client?page=%d"}}}}`,
			n, n, n, n, n+1, n+1)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, "ptlc_"+strings.Repeat("a", 43))
	if _, err := c.ListServers(t.Context(), panel.ServerQuery{}); err == nil || !strings.Contains(err.Error(), "more than 5 pages") {
		t.Fatalf("err = %v, want the page bound", err)
	}
	if n := requests.Load(); n != 5 {
		t.Fatalf("%d requests, want 5", n)
	}
}

// A filter the panel does not take is its 400 InvalidFilterQuery, returned as such.
func TestListServersUnknownFilterIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"errors":[{"code":"InvalidFilterQuery","status":"400","detail":"Requested filter(s) `+"`*`"+` are not allowed."}]}`)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, "ptlc_"+strings.Repeat("a", 43))
	_, err := c.ListServers(t.Context(), panel.ServerQuery{ExternalID: "x"})
	var apiErr *panel.APIError
	if !errors.As(err, &apiErr) || apiErr.Code() != "InvalidFilterQuery" || !strings.Contains(err.Error(), "are not allowed") {
		t.Fatalf("err = %v", err)
	}
}
