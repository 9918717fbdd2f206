package provider

import "testing"

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
