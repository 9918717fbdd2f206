package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// eachFlavorProto runs fn against a fresh panel of each flavor with a provider server
// configured with the owner's key.
func eachFlavorProto(t *testing.T, fn func(t *testing.T, p *testPanel, pp *protoProvider)) {
	t.Helper()
	eachFlavor(t, func(t *testing.T, p *testPanel) { fn(t, p, newProtoProvider(t, p, p.key)) })
}

func TestIdentitySchema(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	pp := newProtoProvider(t, p, p.key)
	resp, err := pp.server.GetResourceIdentitySchemas(t.Context(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, "GetResourceIdentitySchemas", resp.Diagnostics)
	schema, ok := resp.IdentitySchemas[databaseType]
	if _, host := resp.IdentitySchemas["pterodactyl_database_host"]; !ok || !host || len(resp.IdentitySchemas) != 2 {
		t.Fatalf("identity schemas = %v, want %s and pterodactyl_database_host", resp.IdentitySchemas, databaseType)
	}
	got := map[string]bool{}
	for _, a := range schema.IdentityAttributes {
		if !a.Type.Is(tftypes.String) || !a.RequiredForImport || a.Description == "" {
			t.Errorf("identity attribute %s = %+v, want a described string required for import", a.Name, a)
		}
		got[a.Name] = true
	}
	if len(got) != 2 || !got["server_id"] || !got["database_id"] {
		t.Fatalf("identity attributes = %v, want server_id and database_id", got)
	}
}

func TestIdentity_importByIdentityThenRead(t *testing.T) {
	eachFlavorProto(t, func(t *testing.T, p *testPanel, pp *protoProvider) {
		db := p.AddDatabase(p.server.Identifier, "app", "10.0.0.%")
		// The identity's server may be the UUID; the identity recorded is the short identifier.
		for _, server := range []string{p.server.Identifier, p.server.UUID} {
			resp := pp.importDatabase("", pp.identity(server, db.ID))
			requireNoErrors(t, "ImportResourceState", resp.Diagnostics)
			if len(resp.ImportedResources) != 1 {
				t.Fatalf("imported %d resources", len(resp.ImportedResources))
			}
			imported := resp.ImportedResources[0]
			if s, id := pp.identityOf(imported.Identity); s != p.server.Identifier || id != db.ID {
				t.Fatalf("import identity = %s/%s, want %s/%s", s, id, p.server.Identifier, db.ID)
			}
			attrs := pp.attrs(imported.State)
			for name, want := range map[string]string{"id": db.ID, "server_id": server, "name": "app", "remote": "10.0.0.%"} {
				if got := stringOf(t, attrs[name]); got != want {
					t.Errorf("imported %s = %q, want %q", name, got, want)
				}
			}

			read := pp.read(imported.State, imported.Identity, imported.Private)
			requireNoErrors(t, "ReadResource", read.Diagnostics)
			attrs = pp.attrs(read.NewState)
			if got := stringOf(t, attrs["password"]); got != db.Password {
				t.Error("the read after an import did not read the password")
			}
			if got := stringOf(t, attrs["database_name"]); got != "s12_app" {
				t.Errorf("database_name = %q", got)
			}
			if s, id := pp.identityOf(read.NewIdentity); s != p.server.Identifier || id != db.ID {
				t.Fatalf("read identity = %s/%s", s, id)
			}
		}
		if n := p.Requests(paneltest.RouteRotatePassword); n != 0 {
			t.Fatalf("import rotated the password %d times", n)
		}
	})
}

func TestIdentity_importByIdentityErrors(t *testing.T) {
	p := startPanel(t, paneltest.Pelican)
	pp := newProtoProvider(t, p, p.key)
	db := p.AddDatabase(p.server.Identifier, "app", "%")
	cases := []struct {
		name, server, id string
		want             []string
	}{
		{"unknown database", p.server.Identifier, "999", []string{`has no database with the id "999"`, db.ID + " (s12_app)"}},
		// A name is an import ID form, never an identity.
		{"name for id", p.server.Identifier, "app", []string{`has no database with the id "app"`}},
		{"empty id", p.server.Identifier, " ", []string{"Invalid import identity", "database_id is empty"}},
		{"malformed server", "server-1", db.ID, []string{"Invalid import identity", `server_id "server-1" is neither`}},
		{"unknown server", "0000ffff", db.ID, []string{"Server 0000ffff does not exist, or the API key's user has no access"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := pp.importDatabase("", pp.identity(tc.server, tc.id))
			requireError(t, "ImportResourceState", resp.Diagnostics, tc.want...)
		})
	}
}

func TestIdentity_importByIDSetsIdentity(t *testing.T) {
	eachFlavorProto(t, func(t *testing.T, p *testPanel, pp *protoProvider) {
		db := p.AddDatabase(p.server.Identifier, "app", "%")
		for _, id := range []string{p.server.Identifier + "/app", p.server.UUID + "/s12_app", p.server.Identifier + "/" + db.ID} {
			resp := pp.importDatabase(id, nil)
			requireNoErrors(t, "ImportResourceState "+id, resp.Diagnostics)
			if s, got := pp.identityOf(resp.ImportedResources[0].Identity); s != p.server.Identifier || got != db.ID {
				t.Errorf("import of %s: identity = %s/%s", id, s, got)
			}
		}
	})
}

func TestIdentity_setOnCreateKeptOnUpdateAndRead(t *testing.T) {
	eachFlavorProto(t, func(t *testing.T, p *testPanel, pp *protoProvider) {
		config := func(server, rotate string) map[string]tftypes.Value {
			c := map[string]tftypes.Value{"server_id": str(server), "name": str("app")}
			if rotate != "" {
				c["rotate_when_changed"] = tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"v": str(rotate)})
			}
			return c
		}
		wantIdentity := func(step string, a applied) {
			t.Helper()
			requireNoErrors(t, step, a.diagnostics)
			db := p.Databases(p.server.Identifier)[0]
			if s, id := pp.identityOf(a.identity); s != p.server.Identifier || id != db.ID {
				t.Fatalf("%s: identity = %s/%s, want %s/%s", step, s, id, p.server.Identifier, db.ID)
			}
		}
		// Created by UUID, the identity still holds the short identifier.
		created := pp.apply(applied{}, config(p.server.UUID, ""))
		wantIdentity("create", created)
		// Switching to the short identifier is an update that must keep the identity: Terraform
		// refuses an identity that changes.
		switched := pp.apply(created, config(p.server.Identifier, ""))
		wantIdentity("update server_id", switched)
		rotated := pp.apply(switched, config(p.server.Identifier, "1"))
		wantIdentity("rotate", rotated)
		if n := p.Requests(paneltest.RouteRotatePassword); n != 1 {
			t.Fatalf("rotate-password called %d times, want 1", n)
		}
		read := pp.read(rotated.state, rotated.identity, rotated.private)
		wantIdentity("read", applied{identity: read.NewIdentity, diagnostics: read.Diagnostics})
	})
}

func TestIdentity_readAddsIdentityToOlderState(t *testing.T) {
	eachFlavorProto(t, func(t *testing.T, p *testPanel, pp *protoProvider) {
		db := p.AddDatabase(p.server.Identifier, "app", "%")
		// A state written before identity existed (or by Terraform before 1.12): no identity,
		// no store_password. Read adds both without a change anyone has to apply.
		state := pp.dynamic(pp.resourceType(), map[string]tftypes.Value{
			"id": str(db.ID), "server_id": str(p.server.UUID), "name": str("app"), "remote": str("%"),
		})
		read := pp.read(state, nil, nil)
		requireNoErrors(t, "ReadResource", read.Diagnostics)
		if s, id := pp.identityOf(read.NewIdentity); s != p.server.Identifier || id != db.ID {
			t.Fatalf("identity = %s/%s", s, id)
		}
		attrs := pp.attrs(read.NewState)
		var store bool
		if err := attrs["store_password"].As(&store); err != nil || !store {
			t.Fatalf("store_password = %v, want true recorded", attrs["store_password"])
		}
		if stringOf(t, attrs["password"]) != db.Password {
			t.Fatal("password not read")
		}
	})
}

func TestIdentity_readOfDeletedDatabaseRemovesIt(t *testing.T) {
	eachFlavorProto(t, func(t *testing.T, p *testPanel, pp *protoProvider) {
		db := p.AddDatabase(p.server.Identifier, "app", "%")
		imported := pp.importDatabase(p.server.Identifier+"/app", nil).ImportedResources[0]
		p.DeleteDatabase(p.server.Identifier, db.ID)
		// Without an identity from Terraform, as 1.11 sends, and with one, as 1.12+ sends.
		for _, identity := range []*tfprotov6.ResourceIdentityData{nil, imported.Identity} {
			read := pp.read(imported.State, identity, nil)
			requireNoErrors(t, "ReadResource", read.Diagnostics)
			if pp.attrs(read.NewState) != nil {
				t.Fatal("a database deleted on the panel must leave state")
			}
		}
	})
}

func TestCanonicalServerID(t *testing.T) {
	for in, want := range map[string]string{
		"1a7ce997":                             "1a7ce997",
		"1A7CE997":                             "1a7ce997",
		"1a7ce997-259b-452e-8b4e-cecc464142ca": "1a7ce997",
		"1A7CE997-259B-452E-8B4E-CECC464142CA": "1a7ce997",
		"not-a-server":                         "not-a-server",
	} {
		if got := canonicalServerID(in); got != want {
			t.Errorf("canonicalServerID(%q) = %q, want %q", in, got, want)
		}
	}
}
