package panel_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// Sweeps (sweep.go): with an application key, the reads cost pages of servers, not servers.

// sweepPanel starts a panel of n servers with perServer databases each.
func sweepPanel(t *testing.T, flavor paneltest.Flavor, n, perServer int) (*paneltest.Panel, []paneltest.Server) {
	t.Helper()
	p := paneltest.Start(t, paneltest.Options{Flavor: flavor, CreateRateLimit: -1, DatabaseHosts: 1})
	srvs := make([]paneltest.Server, 0, n)
	for range n {
		s := p.AddServer(paneltest.Server{})
		for j := range perServer {
			p.AddDatabase(s.Identifier, "db"+strconv.Itoa(j), "%")
		}
		srvs = append(srvs, s)
	}
	return p, srvs
}

// Every read Terraform makes of 300 databases on 150 servers, in parallel (the server reads, the
// plan's known lists, the refresh's lists with passwords and a data source's without), costs
// the two pages of the panel's server list: no server lookup, no list of a server's databases.
func TestSweepAnswersEveryReadOfAPanel(t *testing.T) {
	eachPanelFlavor(t, func(t *testing.T, flavor paneltest.Flavor) {
		const servers, perServer = 150, 2
		p, srvs := sweepPanel(t, flavor, servers, perServer)
		c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true}))
		ctx := t.Context()
		var wg sync.WaitGroup
		errs := make(chan error, 4*servers*perServer)
		for i := range servers * perServer {
			s := srvs[i%servers]
			wg.Go(func() {
				srv, err := c.GetServer(ctx, s.UUID)
				if err == nil && (srv.InternalID != s.InternalID || srv.Identifier != s.Identifier) {
					err = fmt.Errorf("server %s read as %+v", s.Identifier, srv)
				}
				errs <- err
			})
			wg.Go(func() {
				dbs, err := c.KnownDatabases(ctx, s.Identifier)
				if err == nil && len(dbs) != perServer {
					err = fmt.Errorf("server %s: %d known databases, want %d", s.Identifier, len(dbs), perServer)
				}
				errs <- err
			})
			wg.Go(func() { errs <- sameAsThePanel(ctx, c, p, s.Identifier, true) })
			wg.Go(func() { errs <- sameAsThePanel(ctx, c, p, s.Identifier, false) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		sameRequests(t, p, map[paneltest.Route]int{paneltest.RouteAppListServers: 2}, "one sweep of two pages")
	})
}

// sameAsThePanel lists the server's databases and compares them with what the panel holds.
func sameAsThePanel(ctx context.Context, c *panel.Client, p *paneltest.Panel, server string, passwords bool) error {
	dbs, err := c.ListDatabases(ctx, server, passwords)
	if err != nil {
		return err
	}
	on := p.Databases(server)
	if len(dbs) != len(on) {
		return fmt.Errorf("server %s: %d databases listed, the panel holds %d", server, len(dbs), len(on))
	}
	for i, d := range on {
		got := dbs[i]
		if got.ID != strconv.Itoa(d.InternalID) || got.Name != d.Name || got.HostID != strconv.Itoa(d.HostID) || got.Host != d.Host {
			return fmt.Errorf("server %s: listed %+v, the panel holds %s (%d)", server, got, d.Name, d.InternalID)
		}
		if passwords && (got.PasswordState != panel.PasswordIncluded || got.Password != d.Password) {
			return fmt.Errorf("server %s: database %s listed without its password", server, d.Name)
		}
		if !passwords && (got.PasswordState != panel.PasswordNotRequested || got.Password != "") {
			return fmt.Errorf("server %s: database %s listed with a password nobody asked for", server, d.Name)
		}
	}
	return nil
}

// sameRequests fails the test unless the panel received exactly want: every route with a
// request, with its count.
func sameRequests(t *testing.T, p *paneltest.Panel, want map[paneltest.Route]int, why string) {
	t.Helper()
	if got := p.RequestCounts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("requests %v, want %v: %s", got, want, why)
	}
}

// A read after this client's write to a server sees the panel, not the sweep from before it;
// the other servers are still answered by the sweep.
func TestSweepIsNotReadAfterAWrite(t *testing.T) {
	eachPanelFlavor(t, func(t *testing.T, flavor paneltest.Flavor) {
		p, srvs := sweepPanel(t, flavor, 3, 1)
		c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true}))
		ctx := t.Context()
		if _, err := c.ListDatabases(ctx, srvs[0].Identifier, true); err != nil {
			t.Fatal(err)
		}
		made, err := c.CreateDatabase(ctx, srvs[0].Identifier, panel.CreateDatabaseInput{Name: "new", Remote: "%", HostID: "1"})
		if err != nil {
			t.Fatal(err)
		}
		dbs, err := c.ListDatabases(ctx, srvs[0].Identifier, true)
		if err != nil || panel.FindDatabase(dbs, made.ID) == nil || len(dbs) != 2 {
			t.Fatalf("the read after the create: %+v, %v; want both databases", dbs, err)
		}
		for _, s := range srvs[1:] {
			if err := sameAsThePanel(ctx, c, p, s.Identifier, true); err != nil {
				t.Fatal(err)
			}
		}
		sameRequests(t, p, map[paneltest.Route]int{paneltest.RouteAppListServers: 1, paneltest.RouteAppCreateDatabase: 1,
			paneltest.RouteAppListDatabases: 1}, "one sweep, the create, and a list of the server written to")
	})
}

// A key that may read servers but not their databases gets the include's null resource: that is
// never an empty list (every database would look deleted), and each read gets the panel's own
// refusal, for the list and for the plan's checks alike. The servers themselves are swept.
func TestSweepWithheldDatabasesAreNotAnEmptyList(t *testing.T) {
	eachPanelFlavor(t, func(t *testing.T, flavor paneltest.Flavor) {
		p, srvs := sweepPanel(t, flavor, 2, 1)
		res := paneltest.ACLResourcesOf(flavor)
		c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true, ACL: map[string]int{res.Servers: paneltest.ACLRead}}))
		ctx := t.Context()
		if srv, err := c.GetServer(ctx, srvs[1].Identifier); err != nil || srv.InternalID != srvs[1].InternalID {
			t.Fatalf("server = %+v, %v", srv, err)
		}
		if dbs, err := c.ListDatabases(ctx, srvs[0].Identifier, true); !panel.IsForbidden(err) {
			t.Fatalf("list = %+v, %v; want the panel's refusal", dbs, err)
		}
		if dbs, err := c.KnownDatabases(ctx, srvs[1].Identifier); !panel.IsForbidden(err) {
			t.Fatalf("known = %+v, %v; want the panel's refusal", dbs, err)
		}
		sameRequests(t, p, map[paneltest.Route]int{paneltest.RouteAppListServers: 1, paneltest.RouteAppListDatabases: 2},
			"one sweep for the servers, and a refused list for each read of databases")
	})
}

// A panel of more than ten pages of servers is not swept past its first page: the servers on it
// are answered, the others are read alone, and the panel is not swept again.
func TestSweepStopsOnABigPanel(t *testing.T) {
	p, srvs := sweepPanel(t, paneltest.Pterodactyl, 1001, 0)
	c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true}))
	ctx := t.Context()
	for _, s := range []paneltest.Server{srvs[0], srvs[99]} {
		if _, err := c.ListDatabases(ctx, s.Identifier, true); err != nil {
			t.Fatal(err)
		}
	}
	sameRequests(t, p, map[paneltest.Route]int{paneltest.RouteAppListServers: 1}, "the first page only")
	for _, s := range []paneltest.Server{srvs[100], srvs[1000]} {
		if err := sameAsThePanel(ctx, c, p, s.Identifier, true); err != nil {
			t.Fatal(err)
		}
	}
	sameRequests(t, p, map[paneltest.Route]int{paneltest.RouteAppListServers: 3, paneltest.RouteAppListDatabases: 2}, "the first page, then a lookup and a list per server")
}

// A sweep the panel fails leaves each read to ask for its server alone, and is not sent again
// for every read.
func TestSweepFailureFallsBackToTheServer(t *testing.T) {
	p, srvs := sweepPanel(t, paneltest.Pelican, 2, 1)
	c := newClient(t, p.URL(), p.AddKey(paneltest.Key{Application: true}))
	p.InjectFault(paneltest.Fault{Route: paneltest.RouteAppListServers, Status: 500}) // not retried
	ctx := t.Context()
	for _, s := range srvs {
		if err := sameAsThePanel(ctx, c, p, s.Identifier, true); err != nil {
			t.Fatal(err)
		}
	}
	sameRequests(t, p, map[paneltest.Route]int{paneltest.RouteAppListServers: 3, paneltest.RouteAppListDatabases: 2}, "the failed sweep, then a lookup and a list per server")
}
