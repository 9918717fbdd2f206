package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// A new database asking for the name of a database that the same plan deletes under another
// resource is refused in either order of the two plans: the create first (the delete is
// refused) or the delete first (the create is refused). A replacement's own create, and the
// replaced database giving up its name, are not.
func TestNameClaimsInEveryOrder(t *testing.T) {
	const server, name, old = "1a7ce997", "app", "bEY4yAD5"
	t.Run("create first", func(t *testing.T) {
		var d providerData
		if c, _ := d.claim(server, name, ""); c != claimOK {
			t.Fatalf("the create's claim: %d", c)
		}
		if !d.release(server, name, old) {
			t.Fatal("deleting a database whose name a new one asks for was not refused")
		}
	})
	t.Run("delete first", func(t *testing.T) {
		var d providerData
		if d.release(server, name, old) {
			t.Fatal("a delete alone was refused")
		}
		if c, id := d.claim(server, name, ""); c != claimReleased || id != old {
			t.Fatalf("the create's claim: %d, %q; want it refused, naming %s", c, id, old)
		}
	})
	t.Run("a replacement keeps its name", func(t *testing.T) {
		var d providerData
		if c, _ := d.claim(server, name, old); c != claimOK { // the replaced database's own plan
			t.Fatalf("%d", c)
		}
		if c, _ := d.claim(server, name, old); c != claimOK { // its replacement's create
			t.Fatalf("the replacement's claim: %d", c)
		}
	})
	t.Run("a replacement under another name", func(t *testing.T) {
		var d providerData
		if d.release(server, name, old) {
			t.Fatal("giving up a name was refused")
		}
		if c, _ := d.claim(server, "other", old); c != claimOK {
			t.Fatalf("the replacement's claim of its new name: %d", c)
		}
	})
	t.Run("two resources, one name", func(t *testing.T) {
		var d providerData
		d.claim(server, name, "")
		if c, _ := d.claim(server, name, ""); c != claimUsedTwice {
			t.Fatalf("%d, want used twice", c)
		}
	})
}

// Names on a server are unique without regard to case on the panel ("TX1" collides with "tx1":
// 400 DuplicateDatabaseNameException, recorded on Pterodactyl 1.11.8), so the plan compares
// them that way: a name the server has in another case is taken, and two resources asking for
// one name in two cases ask for the same. One database imported at two addresses is refused:
// whatever either resource does would happen to the other's database.
func TestServerDatabase_namesAndIdsAsThePanelComparesThem(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		existing := p.AddDatabase(p.server.Identifier, "app", "%")
		cases := []struct {
			name   string
			config string
			want   []string
		}{
			{"a taken name in another case", `
resource "pterodactyl_server_database" "app" {
  server_id = "SERVER"
  name      = "APP"
}`, []string{"Database name already taken", "already has a database named s12_app (id " + existing.ID + ")"}},
			{"one name in two cases", `
resource "pterodactyl_server_database" "a" {
  server_id = "SERVER"
  name      = "tx1"
}
resource "pterodactyl_server_database" "b" {
  server_id = "SERVER"
  name      = "TX1"
}`, []string{"Database name used twice", "whatever their case", "cannot name the other resource"}},
			{"one database imported twice", `
import {
  to = pterodactyl_server_database.a
  id = "SERVER/app"
}
import {
  to = pterodactyl_server_database.b
  id = "SERVER/app"
}
resource "pterodactyl_server_database" "a" {
  server_id = "SERVER"
  name      = "app"
}
resource "pterodactyl_server_database" "b" {
  server_id = "SERVER"
  name      = "app"
}`, []string{"Database managed twice", "Database s12_app (id " + existing.ID + ")", "terraform state rm ADDRESS"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resource.UnitTest(t, resource.TestCase{
					TerraformVersionChecks:   minTerraform,
					ProtoV6ProviderFactories: providerFactories,
					Steps: []resource.TestStep{{
						Config:      p.config(tc.config),
						PlanOnly:    true,
						ExpectError: errorRE(tc.want...),
					}},
				})
			})
		}
		if n := len(p.Databases(p.server.Identifier)); n != 1 {
			t.Fatalf("the panel holds %d databases, want the one it had", n)
		}
	})
}
