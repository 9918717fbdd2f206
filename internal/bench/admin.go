package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// Key kinds side by side: the same refresh and the same create with a client key and with an
// application key, on one panel. With an application key the provider reads servers by sweeps
// of the application API's server list, 100 servers a request with their databases
// (internal/panel/sweep.go); the client API has no such include, so a client key reads each
// server and lists its databases.

// keyKind is a kind of API key the bench measures.
type keyKind string

const (
	clientKind      keyKind = "client key"
	applicationKind keyKind = "application key"
)

var keyKinds = []keyKind{clientKind, applicationKind}

// kindRun is one measured Terraform command with one key kind.
type kindRun struct {
	serverReads, lists, serverPages, creates, total, throttled int
	wall, providerCPU                                          time.Duration
	peakKiB                                                    int64
}

type adminResult struct {
	createCase
	refresh, create map[keyKind]kindRun
}

// kindRequests reads the panel's counts for a command run with a key of kind k: the routes of
// that key's API.
func kindRequests(p *countingPanel, k keyKind) kindRun {
	r := kindRun{total: p.TotalRequests(), throttled: int(p.throttled.Load()), serverPages: p.Requests(paneltest.RouteAppListServers)}
	if k == clientKind {
		r.serverReads, r.lists, r.creates = p.Requests(paneltest.RouteGetServer), p.Requests(paneltest.RouteListDatabases),
			p.Requests(paneltest.RouteCreateDatabase)
	} else {
		r.serverReads, r.lists, r.creates = p.Requests(paneltest.RouteAppGetServer), p.Requests(paneltest.RouteAppListDatabases),
			p.Requests(paneltest.RouteAppCreateDatabase)
	}
	return r
}

// runAdminCase measures the refresh of N seeded databases over S servers and the create of N
// databases over S servers from empty state, each with a client key and with an application
// key, on panels of the flavor alike: one database host and the S servers alone.
func runAdminCase(ctx context.Context, tf *cli, dir, flavor string, c createCase) (adminResult, error) {
	res := adminResult{createCase: c, refresh: map[keyKind]kindRun{}, create: map[keyKind]kindRun{}}
	if err := runAdminRefresh(ctx, tf, dir, flavor, c, res.refresh); err != nil {
		return res, err
	}
	for _, k := range keyKinds {
		// A panel of its own for each create, as for the refresh: S servers, which the
		// application key's sweep reads in ceil(S/100) pages.
		r, err := runAdminCreate(ctx, tf, filepath.Join(dir, "create-"+strings.ReplaceAll(string(k), " ", "-")), flavor, c, k)
		if err != nil {
			return res, err
		}
		res.create[k] = r
	}
	return res, nil
}

// adminPanel is a panel of the flavor with one database host and S servers, and the key and
// environment makers for its commands.
type adminPanel struct {
	*countingPanel
	servers []paneltest.Server
	perms   map[string][]string
}

func startAdminPanel(flavor string, servers int) (*adminPanel, error) {
	p, err := startPanelWith(paneltest.Options{Flavor: paneltest.Flavor(flavor), DatabaseHosts: 1})
	if err != nil {
		return nil, err
	}
	a := &adminPanel{countingPanel: p, perms: map[string][]string{}}
	for range servers {
		srv := p.AddServer(paneltest.Server{})
		a.servers = append(a.servers, srv)
		a.perms[srv.Identifier] = []string{"*"}
	}
	return a, nil
}

// env is a command's environment with a new key of kind k: each command starts with a fresh
// rate-limit window.
func (a *adminPanel) env(k keyKind, extra ...string) []string {
	key := a.AddKey(paneltest.Key{Servers: a.perms, Application: k == applicationKind})
	return append([]string{"PTERODACTYL_PANEL_URL=" + a.url, "PTERODACTYL_API_KEY=" + key}, extra...)
}

func runAdminRefresh(ctx context.Context, tf *cli, dir, flavor string, c createCase, out map[keyKind]kindRun) error {
	p, err := startAdminPanel(flavor, c.servers)
	if err != nil {
		return err
	}
	defer func() { _ = p.srv.Close() }()
	servers := p.servers
	var dbs []paneltest.Database
	for i := range c.databases {
		dbs = append(dbs, p.AddDatabase(servers[i%c.servers].Identifier, fmt.Sprintf("db%04d", i), "%"))
	}
	for _, k := range keyKinds {
		kdir := filepath.Join(dir, "refresh-"+strings.ReplaceAll(string(k), " ", "-"))
		seeds := make([]seeded, len(dbs))
		for i, d := range dbs {
			id := d.ID
			if k == applicationKind {
				id = strconv.Itoa(d.InternalID)
			}
			name := fmt.Sprintf("db%04d", i)
			seeds[i] = seeded{key: name, server: servers[i%c.servers].Identifier, name: name, id: id}
		}
		if err := writeConfig(kdir, seeds); err != nil {
			return err
		}
		if _, err := tf.run(ctx, kdir, nil, nil, "init", "-input=false", "-no-color"); err != nil {
			return err
		}
		if _, err := tf.run(ctx, kdir, p.env(k), nil, "apply", "-input=false", "-no-color", "-auto-approve"); err != nil {
			return fmt.Errorf("importing, %s: %w", k, err)
		}
		if err := os.Remove(filepath.Join(kdir, "imports.tf")); err != nil {
			return err
		}
		rss := filepath.Join(kdir, "rss")
		p.ResetCounts()
		p.throttled.Store(0)
		wall, err := tf.run(ctx, kdir, p.env(k, "PANELBENCH_RSS_FILE="+rss), nil,
			"plan", "-refresh-only", "-input=false", "-no-color", "-lock=false")
		if err != nil {
			return fmt.Errorf("refresh, %s: %w", k, err)
		}
		log, err := os.ReadFile(filepath.Join(kdir, "terraform-plan.log")) //nolint:gosec // the bench's own file
		if err != nil || !strings.Contains(string(log), "No changes.") {
			return fmt.Errorf("the refresh (%s) found differences between state and panel:\n%s", k, log)
		}
		r := kindRequests(p.countingPanel, k)
		r.wall = wall
		if r.peakKiB, r.providerCPU, err = providerUsage(rss); err != nil {
			return err
		}
		out[k] = r
		fmt.Printf("  refresh, %s: %d requests (%d server reads, %d lists, %d server pages), %s\n",
			k, r.total, r.serverReads, r.lists, r.serverPages, wall.Round(time.Millisecond))
	}
	return nil
}

func runAdminCreate(ctx context.Context, tf *cli, dir, flavor string, c createCase, k keyKind) (kindRun, error) {
	p, err := startAdminPanel(flavor, c.servers)
	if err != nil {
		return kindRun{}, err
	}
	defer func() { _ = p.srv.Close() }()
	host := ""
	if k == applicationKind {
		host = "1" // an application key's create names its host
	}
	if err := writeCreateConfigOn(dir, p.servers, c.databases, "60m", host); err != nil {
		return kindRun{}, err
	}
	if _, err := tf.run(ctx, dir, nil, nil, "init", "-input=false", "-no-color"); err != nil {
		return kindRun{}, err
	}
	rss := filepath.Join(dir, "rss")
	p.ResetCounts()
	p.throttled.Store(0)
	wall, err := tf.run(ctx, dir, p.env(k, "PANELBENCH_RSS_FILE="+rss), nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if err != nil {
		return kindRun{}, fmt.Errorf("creating, %s: %w", k, err)
	}
	r := kindRequests(p.countingPanel, k)
	r.wall = wall
	if r.peakKiB, r.providerCPU, err = providerUsage(rss); err != nil {
		return r, err
	}
	if err := checkCreated(p.countingPanel, p.servers, c.databases); err != nil {
		return r, fmt.Errorf("creating, %s: %w", k, err)
	}
	fmt.Printf("  create, %s: %d requests (%d creates, %d server reads, %d lists, %d server pages, %d refused), %s\n",
		k, r.total, r.creates, r.serverReads, r.lists, r.serverPages, r.throttled, wall.Round(time.Millisecond))
	return r, nil
}

// adminTables renders the key kinds side by side.
func (r *report) adminTables() string {
	if len(r.admin) == 0 {
		return "No key-kind cases were run.\n"
	}
	var b strings.Builder
	for _, part := range []struct {
		what string
		runs func(adminResult) map[keyKind]kindRun
	}{
		{"`terraform plan -refresh-only` of N imported databases", func(a adminResult) map[keyKind]kindRun { return a.refresh }},
		{"`terraform apply` creating N databases from empty state (plan and apply)", func(a adminResult) map[keyKind]kindRun { return a.create }},
	} {
		fmt.Fprintf(&b, "%s:\n\n", part.what)
		b.WriteString("| N databases | S servers | key | server reads | database lists | server pages | creates | total requests | refused (429) | wall time | provider CPU | provider peak RSS |\n")
		b.WriteString("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, a := range r.admin {
			for _, k := range keyKinds {
				x := part.runs(a)[k]
				fmt.Fprintf(&b, "| %d | %d | %s | %d | %d | %d | %d | %d | %d | %s | %s | %s |\n", a.databases, a.servers, k,
					x.serverReads, x.lists, x.serverPages, x.creates, x.total, x.throttled, secs(x.wall), secs(x.providerCPU), mib(x.peakKiB))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// rateLimits are the in-memory panel's default windows, in requests a minute per key, by
// flavor and key kind (the panels' own defaults: panel-api.md).
var rateLimits = map[string]map[keyKind]int{
	"pterodactyl": {clientKind: 720, applicationKind: 240},
	"pelican":     {clientKind: 256, applicationKind: 256},
}

// adminFindings states what the key-kind tables show, computed from them.
func (r *report) adminFindings() string {
	if len(r.admin) == 0 {
		return ""
	}
	limits := rateLimits[r.flavor]
	atLeast := func(run kindRun, k keyKind) string {
		return fmt.Sprintf("%.1f min", float64(run.total)/float64(limits[k]))
	}
	var b strings.Builder
	for _, a := range r.admin {
		cr, ar := a.refresh[clientKind], a.refresh[applicationKind]
		cc, ac := a.create[clientKind], a.create[applicationKind]
		fmt.Fprintf(&b, "- %d databases on %d servers: the refresh costs %d requests with a client key and %d with an "+
			"application key (%s fewer), in %s and %s. The create costs %d and %d requests, of which %d and %d are "+
			"creates (a create refused with 429 counts too), in %s and %s; at %d and %d requests a minute, the "+
			"panel's windows for each key, that many requests take at least %s and %s.\n", a.databases, a.servers,
			cr.total, ar.total, ratio(float64(ar.total), float64(cr.total)), secs(cr.wall), secs(ar.wall), cc.total, ac.total,
			cc.creates, ac.creates, secs(cc.wall), secs(ac.wall), limits[clientKind], limits[applicationKind],
			atLeast(cc, clientKind), atLeast(ac, applicationKind))
	}
	b.WriteString("\n")
	b.WriteString(wrap("Each create is one request whatever the key. An application key's reads cost one sweep of "+
		"⌈S/100⌉ pages of servers with their databases per provider process, where a client key reads each server "+
		"and lists its databases; in the apply, the check just before the first create on a server lists that server "+
		"when the sweep is more than 5 seconds old, so that a create whose answer is lost can be recognised as its "+
		"own. A refresh's wall time is mostly Terraform's own work on this many resources (compare `plan "+
		"-refresh=false` in the refresh table); a create's follows the rate window of the API it goes through, "+
		"and on Pterodactyl the application API's is a third of the client API's.", 100))
	b.WriteString("\n")
	return b.String()
}
