package provider

import (
	"bytes"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// list runs ListResource as terraform query does and collects every result.
func (pp *protoProvider) list(server string, includeResource bool, limit int64) []tfprotov6.ListResourceResult {
	pp.t.Helper()
	stream, err := pp.lister.ListResource(pp.t.Context(), &tfprotov6.ListResourceRequest{
		TypeName:        databaseType,
		Config:          pp.dynamic(pp.schemas.ListResourceSchemas[databaseType].ValueType(), map[string]tftypes.Value{"server_id": str(server)}),
		IncludeResource: includeResource,
		Limit:           limit,
	})
	if err != nil {
		pp.t.Fatal(err)
	}
	var results []tfprotov6.ListResourceResult
	for r := range stream.Results {
		results = append(results, r)
	}
	return results
}

func TestListResource_schema(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	pp := newProtoProvider(t, p, p.key)
	schema, ok := pp.schemas.ListResourceSchemas[databaseType]
	if !ok {
		t.Fatalf("no list resource schema for %s", databaseType)
	}
	attrs := schema.Block.Attributes
	if len(attrs) != 1 || attrs[0].Name != "server_id" || !attrs[0].Required || attrs[0].Description == "" {
		t.Fatalf("list config attributes = %+v, want only a required, described server_id", attrs)
	}
}

func TestListResource_yieldsEveryDatabaseWithIdentity(t *testing.T) {
	eachFlavorProto(t, func(t *testing.T, p *testPanel, pp *protoProvider) {
		dbs := []paneltest.Database{
			p.AddDatabase(p.server.Identifier, "alpha", "%"),
			p.AddDatabase(p.server.Identifier, "beta", "10.0.0.%"),
			p.AddDatabase(p.server.Identifier, "gamma", "%"),
		}
		// By UUID too: the identities hold the short identifier either way.
		for _, server := range []string{p.server.Identifier, p.server.UUID} {
			results := pp.list(server, false, 0)
			if len(results) != len(dbs) {
				t.Fatalf("%d results, want %d: %+v", len(results), len(dbs), results)
			}
			for i, r := range results {
				requireNoErrors(t, "ListResource", r.Diagnostics)
				if s, id := pp.identityOf(r.Identity); s != p.server.Identifier || id != dbs[i].ID {
					t.Errorf("result %d identity = %s/%s, want %s/%s", i, s, id, p.server.Identifier, dbs[i].ID)
				}
				want := dbs[i].Name + " (id " + dbs[i].ID + ") on server " + p.server.Identifier
				if r.DisplayName != want {
					t.Errorf("display name = %q, want %q", r.DisplayName, want)
				}
				if r.Resource != nil {
					t.Error("the resource object was sent without being asked for")
				}
			}
		}
	})
}

func TestListResource_includeResourceNeverHasThePassword(t *testing.T) {
	eachFlavorProto(t, func(t *testing.T, p *testPanel, pp *protoProvider) {
		dbs := []paneltest.Database{
			p.AddDatabase(p.server.Identifier, "alpha", "%"),
			p.AddDatabase(p.server.Identifier, "beta", "10.0.0.%"),
		}
		results := pp.list(p.server.Identifier, true, 0)
		if len(results) != len(dbs) {
			t.Fatalf("%d results, want %d", len(results), len(dbs))
		}
		for i, r := range results {
			requireNoErrors(t, "ListResource", r.Diagnostics)
			db := dbs[i]
			if r.Resource == nil {
				t.Fatal("include_resource asked for the resource object, none came")
			}
			for _, pw := range dbs {
				if bytes.Contains(r.Resource.MsgPack, []byte(pw.Password)) || bytes.Contains(r.Resource.JSON, []byte(pw.Password)) {
					t.Fatal("a listed resource carries a password")
				}
			}
			attrs := pp.attrs(r.Resource)
			for name, want := range map[string]string{
				"id": db.ID, "server_id": p.server.Identifier, "name": db.Name[len("s12_"):], "database_name": db.Name,
				"username": db.Username, "host": db.Host, "remote": db.Remote, "password": "<null>",
			} {
				if got := stringOf(t, attrs[name]); got != want {
					t.Errorf("%s: %s = %q, want %q", db.Name, name, got, want)
				}
			}
			var store bool
			if err := attrs["store_password"].As(&store); err != nil || !store {
				t.Errorf("store_password = %v, want the default, true", attrs["store_password"])
			}
			if !attrs["rotate_when_changed"].IsNull() {
				t.Error("rotate_when_changed must be left null for generated configuration")
			}
		}
	})
}

func TestListResource_limit(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	pp := newProtoProvider(t, p, p.key)
	for _, name := range []string{"one", "two", "three"} {
		p.AddDatabase(p.server.Identifier, name, "%")
	}
	if n := len(pp.list(p.server.Identifier, false, 2)); n != 2 {
		t.Fatalf("limit 2 gave %d results", n)
	}
	if n := len(pp.list(p.server.Identifier, false, 0)); n != 3 {
		t.Fatalf("no limit gave %d results", n)
	}
	empty := p.AddServer(paneltest.Server{InternalID: 13})
	owner := p.AddKey(paneltest.Key{Servers: map[string][]string{empty.Identifier: {"*"}}})
	if results := newProtoProvider(t, p, owner).list(empty.Identifier, true, 0); len(results) != 0 {
		t.Fatalf("a server without databases listed %+v", results)
	}
}

func TestListResource_errors(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		suspended := p.AddServer(paneltest.Server{InternalID: 42, State: paneltest.ServerState{Suspended: true}})
		owner := p.AddKey(paneltest.Key{Servers: map[string][]string{p.server.Identifier: {"*"}, suspended.Identifier: {"*"}}})
		cases := []struct {
			name, key, server string
			want              []string
		}{
			{"unknown server", owner, "0000ffff", []string{"Cannot list the server's databases", "Server 0000ffff does not exist, or the API key's user has no access"}},
			{"no read permission", p.withoutPermission("database.read"), p.server.Identifier, []string{"lacks the database.read permission on server " + p.server.Identifier}},
			{"suspended", owner, suspended.Identifier, []string{"suspended", "run Terraform again once the server is available"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				results := newProtoProvider(t, p, tc.key).list(tc.server, true, 0)
				if len(results) != 1 || results[0].Identity != nil || results[0].Resource != nil {
					t.Fatalf("want one result with only diagnostics, got %+v", results)
				}
				requireError(t, "ListResource", results[0].Diagnostics, tc.want...)
			})
		}
	})
}

func TestListResource_validateConfig(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	pp := newProtoProvider(t, p, p.key)
	validate := func(server string) []*tfprotov6.Diagnostic {
		resp, err := pp.lister.ValidateListResourceConfig(t.Context(), &tfprotov6.ValidateListResourceConfigRequest{
			TypeName: databaseType,
			Config:   pp.dynamic(pp.schemas.ListResourceSchemas[databaseType].ValueType(), map[string]tftypes.Value{"server_id": str(server)}),
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	}
	requireNoErrors(t, "ValidateListResourceConfig", validate(p.server.Identifier))
	requireNoErrors(t, "ValidateListResourceConfig", validate(p.server.UUID))
	requireError(t, "ValidateListResourceConfig", validate("my-server"), "Invalid server_id", `"my-server" is neither an 8-character server identifier`)
}

// terraform query -generate-config-out turns each listed resource into configuration through
// GenerateResourceConfig: what a person would write, nothing the panel computed, no password.
func TestListResource_generatedConfiguration(t *testing.T) {
	eachFlavorProto(t, func(t *testing.T, p *testPanel, pp *protoProvider) {
		db := p.AddDatabase(p.server.Identifier, "app", "10.0.0.%")
		results := pp.list(p.server.Identifier, true, 0)
		if len(results) != 1 {
			t.Fatalf("%d results", len(results))
		}
		resp, err := pp.server.GenerateResourceConfig(t.Context(), &tfprotov6.GenerateResourceConfigRequest{
			TypeName: databaseType, State: results[0].Resource,
		})
		if err != nil {
			t.Fatal(err)
		}
		requireNoErrors(t, "GenerateResourceConfig", resp.Diagnostics)
		if bytes.Contains(resp.Config.MsgPack, []byte(db.Password)) {
			t.Fatal("generated configuration carries the password")
		}
		config := pp.attrs(resp.Config)
		for name, v := range config {
			switch name {
			case "server_id", "name", "remote", "store_password":
				if v.IsNull() {
					t.Errorf("generated configuration lacks %s", name)
				}
			default:
				if !v.IsNull() {
					t.Errorf("generated configuration sets %s = %v, which is not for a person to write", name, v)
				}
			}
		}
		for name, want := range map[string]string{"server_id": p.server.Identifier, "name": "app", "remote": "10.0.0.%"} {
			if got := stringOf(t, config[name]); got != want {
				t.Errorf("generated %s = %q, want %q", name, got, want)
			}
		}
	})
}
