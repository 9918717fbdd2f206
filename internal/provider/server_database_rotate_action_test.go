package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

const rotateActionType = "pterodactyl_server_database_rotate_password"

// actionConfig encodes the rotate action's configuration.
func (pp *protoProvider) actionConfig(server, id string) *tfprotov6.DynamicValue {
	return pp.dynamic(pp.schemas.ActionSchemas[rotateActionType].Schema.ValueType(), map[string]tftypes.Value{
		"server_id": str(server), "id": str(id),
	})
}

// invoke runs the action as terraform apply -invoke does: plan, then invoke. It returns the
// progress messages and the diagnostics of the completed event.
func (pp *protoProvider) invoke(server, id string) (progress []string, diags []*tfprotov6.Diagnostic) {
	pp.t.Helper()
	cfg := pp.actionConfig(server, id)
	plan, err := pp.actions.PlanAction(pp.t.Context(), &tfprotov6.PlanActionRequest{ActionType: rotateActionType, Config: cfg})
	if err != nil {
		pp.t.Fatal(err)
	}
	if hasError(plan.Diagnostics) {
		return nil, plan.Diagnostics
	}
	stream, err := pp.actions.InvokeAction(pp.t.Context(), &tfprotov6.InvokeActionRequest{ActionType: rotateActionType, Config: cfg})
	if err != nil {
		pp.t.Fatal(err)
	}
	completed := 0
	for event := range stream.Events {
		switch e := event.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			progress = append(progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			completed++
			diags = e.Diagnostics
		}
	}
	if completed != 1 {
		pp.t.Fatalf("%d completed events, want 1", completed)
	}
	return progress, diags
}

func TestRotateAction_schema(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	pp := newProtoProvider(t, p, p.key)
	schema, ok := pp.schemas.ActionSchemas[rotateActionType]
	if !ok {
		t.Fatalf("no action schema for %s", rotateActionType)
	}
	got := map[string]bool{}
	for _, a := range schema.Schema.Block.Attributes {
		if !a.Required || a.Computed || a.Description == "" || !a.Type.Is(tftypes.String) {
			t.Errorf("attribute %s = %+v, want a required, described string", a.Name, a)
		}
		got[a.Name] = true
	}
	if len(got) != 2 || !got["server_id"] || !got["id"] {
		t.Fatalf("action attributes = %v, want server_id and id", got)
	}
}

func TestRotateAction_validateConfig(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	pp := newProtoProvider(t, p, p.key)
	validate := func(server, id string) []*tfprotov6.Diagnostic {
		resp, err := pp.actions.ValidateActionConfig(t.Context(), &tfprotov6.ValidateActionConfigRequest{
			ActionType: rotateActionType, Config: pp.actionConfig(server, id),
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	}
	requireNoErrors(t, "ValidateActionConfig", validate(p.server.Identifier, "bEY4yAD5"))
	requireNoErrors(t, "ValidateActionConfig", validate(p.server.UUID, "12"))
	requireError(t, "ValidateActionConfig", validate(p.server.Identifier, " "), "Invalid database id", "id is empty")
	requireError(t, "ValidateActionConfig", validate(p.server.Identifier, p.server.Identifier+"/12"),
		"Invalid database id", "looks like an import ID", "only the database id in id")
	requireError(t, "ValidateActionConfig", validate("srv", "12"), "Invalid server_id", `"srv" is neither`)
}

func TestRotateAction_rotatesAndTheNextRefreshSeesIt(t *testing.T) {
	eachFlavorProto(t, func(t *testing.T, p *testPanel, pp *protoProvider) {
		kept := p.AddDatabase(p.server.Identifier, "kept", "%")
		hidden := p.AddDatabase(p.server.Identifier, "hidden", "%")
		// Two managed databases as import and refresh leave them; one keeps no password.
		keptState := pp.importDatabase(p.server.Identifier+"/kept", nil).ImportedResources[0]
		read := pp.read(keptState.State, keptState.Identity, keptState.Private)
		requireNoErrors(t, "ReadResource", read.Diagnostics)
		hiddenAttrs := map[string]tftypes.Value{
			"id": str(hidden.ID), "server_id": str(p.server.Identifier), "name": str("hidden"), "remote": str("%"),
			"store_password": tftypes.NewValue(tftypes.Bool, false),
		}

		progress, diags := pp.invoke(p.server.Identifier, kept.ID)
		requireNoErrors(t, "InvokeAction", diags)
		rotated := p.Databases(p.server.Identifier)[0]
		if rotated.ID != kept.ID || rotated.Password == kept.Password {
			t.Fatal("the action did not rotate the password")
		}
		if len(progress) != 2 || !strings.Contains(progress[1], "Rotated the password of database "+kept.ID) {
			t.Fatalf("progress = %q", progress)
		}
		for _, msg := range append(progress, diagnosticsText(diags)) {
			if strings.Contains(msg, kept.Password) || strings.Contains(msg, rotated.Password) {
				t.Fatal("a password is in the action's output")
			}
		}
		if n := p.Requests(paneltest.RouteCreateDatabase) + p.Requests(paneltest.RouteDeleteDatabase); n != 0 {
			t.Fatalf("the action made %d creates or deletes", n)
		}

		refreshed := pp.read(read.NewState, read.NewIdentity, read.Private)
		requireNoErrors(t, "ReadResource", refreshed.Diagnostics)
		if got := stringOf(t, pp.attrs(refreshed.NewState)["password"]); got != rotated.Password {
			t.Fatal("the refresh after the action did not pick up the new password")
		}

		_, diags = pp.invoke(p.server.UUID, hidden.ID)
		requireNoErrors(t, "InvokeAction", diags)
		refreshed = pp.read(pp.dynamic(pp.resourceType(), hiddenAttrs), nil, nil)
		requireNoErrors(t, "ReadResource", refreshed.Diagnostics)
		if got := stringOf(t, pp.attrs(refreshed.NewState)["password"]); got != "<null>" {
			t.Fatal("with store_password = false the refresh after the action must leave password null")
		}
	})
}

func TestRotateAction_errors(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		db := p.AddDatabase(p.server.Identifier, "app", "%")
		suspended := p.AddServer(paneltest.Server{InternalID: 42})
		onSuspended := p.AddDatabase(suspended.Identifier, "app", "%")
		p.SetServerState(suspended.Identifier, paneltest.ServerState{Suspended: true})
		owner := p.AddKey(paneltest.Key{Servers: map[string][]string{p.server.Identifier: {"*"}, suspended.Identifier: {"*"}}})
		cases := []struct {
			name, key, server, id string
			want                  []string
		}{
			{"unknown database", owner, p.server.Identifier, "999999", []string{
				"Cannot rotate the database password", `no database with the id "999999"`, db.ID + " (s12_app)",
			}},
			{"name for id", owner, p.server.Identifier, "app", []string{`no database with the id "app"; it was deleted, or id holds a name`}},
			{"unknown server", owner, "0000ffff", db.ID, []string{"Server 0000ffff does not exist, or the API key's user has no access"}},
			{"no update permission", p.withoutPermission("database.update"), p.server.Identifier, db.ID, []string{
				"lacks the database.update permission on server " + p.server.Identifier,
			}},
			{"suspended", owner, suspended.Identifier, onSuspended.ID, []string{"This server is currently suspended", "Nothing was changed"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, diags := newProtoProvider(t, p, tc.key).invoke(tc.server, tc.id)
				requireError(t, "InvokeAction", diags, tc.want...)
			})
		}
		if got := p.Databases(p.server.Identifier)[0].Password; got != db.Password {
			t.Fatal("a failed action changed the password")
		}
	})
}
