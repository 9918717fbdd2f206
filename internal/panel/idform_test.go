package panel

import (
	"strconv"
	"testing"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// OtherIDForm says when an id is in the other key kind's form: only on Pterodactyl, where the
// client API shows hashids and the application API numbers.
func TestOtherIDForm(t *testing.T) {
	for _, tc := range []struct {
		key, id string
		want    bool
	}{
		{"ptlc_x", "bEY4yAD5", false}, {"ptlc_x", "12", true},
		{"ptla_x", "12", false}, {"ptla_x", "bEY4yAD5", true},
		{"pacc_x", "12", false}, {"papp_x", "12", false},
	} {
		c, err := New(Config{URL: "https://panel.example.com", APIKey: tc.key})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.OtherIDForm(tc.id); got != tc.want {
			t.Errorf("key %s, id %s: OtherIDForm = %v, want %v", tc.key, tc.id, got, tc.want)
		}
	}
}

// FindAnyForm finds a database by its id in either form: the panel says which database an id
// of the other form is, and the match is by stored name. Another server's database is never
// found.
func TestFindAnyForm(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{})
	srv := p.AddServer(paneltest.Server{InternalID: 12})
	other := p.AddServer(paneltest.Server{InternalID: 13})
	mine := p.AddDatabase(srv.Identifier, "legacy", "%")
	theirs := p.AddDatabase(other.Identifier, "legacy", "%")
	for _, tc := range []struct {
		key  paneltest.Key
		id   string
		want string // the id found, in this key's form; "" for none
	}{
		{paneltest.Key{Application: true}, mine.ID, strconv.Itoa(mine.InternalID)},
		{paneltest.Key{Application: true}, strconv.Itoa(mine.InternalID), strconv.Itoa(mine.InternalID)},
		{paneltest.Key{Application: true}, theirs.ID, ""},
		{paneltest.Key{RootAdmin: true}, strconv.Itoa(mine.InternalID), mine.ID},
		{paneltest.Key{RootAdmin: true}, strconv.Itoa(theirs.InternalID), ""},
		{paneltest.Key{Servers: map[string][]string{srv.Identifier: {"*"}}}, strconv.Itoa(mine.InternalID), ""}, // not an admin
	} {
		c, err := New(Config{URL: p.URL(), APIKey: p.AddKey(tc.key)})
		if err != nil {
			t.Fatal(err)
		}
		dbs, err := c.ListDatabases(t.Context(), srv.Identifier, false)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if db := c.FindAnyForm(t.Context(), srv.Identifier, dbs, tc.id); db != nil {
			got = db.ID
		}
		if got != tc.want {
			t.Errorf("key %+v, id %s: found %q, want %q", tc.key, tc.id, got, tc.want)
		}
	}
}

// CheckApplicationAccess reads the server through the application API once per server, and
// tells a client key of a user who is not an admin so.
func TestCheckApplicationAccess(t *testing.T) {
	p := paneltest.Start(t, paneltest.Options{})
	srv := p.AddServer(paneltest.Server{InternalID: 12})
	owner, err := New(Config{URL: p.URL(), APIKey: p.AddKey(paneltest.Key{Servers: map[string][]string{srv.Identifier: {"*"}}})})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := New(Config{URL: p.URL(), APIKey: p.AddKey(paneltest.Key{RootAdmin: true})})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := owner.CheckApplicationAccess(t.Context(), srv.Identifier); !IsNotAdmin(err) {
			t.Fatalf("owner's client key: %v, want not an admin", err)
		}
		if err := admin.CheckApplicationAccess(t.Context(), srv.Identifier); err != nil {
			t.Fatalf("root admin's client key: %v", err)
		}
	}
	if n := p.Requests(paneltest.RouteAppListServers); n != 2 {
		t.Fatalf("%d server lookups on the application API, want 2: one per key, kept", n)
	}
}
