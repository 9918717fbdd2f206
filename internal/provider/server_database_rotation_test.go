package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// A rotation changes only the password. When the panel's other values moved since the state
// was read (an admin changed max_connections, or a saved plan is applied later), apply must
// still return what the plan promised, or Terraform rejects the result as inconsistent.
func TestRotation_keepsWhatThePlanPromised(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	pp := newProtoProvider(t, p, p.key)
	cfg := func(rot string) map[string]tftypes.Value {
		return map[string]tftypes.Value{"server_id": str(p.server.Identifier), "name": str("app"),
			"rotate_when_changed": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"v": str(rot)})}
	}
	created := pp.apply(applied{}, cfg("1"))
	requireNoErrors(t, "create", created.diagnostics)
	// State as it was before an admin changed max_connections (or a saved plan applied later).
	typ := pp.resourceType()
	attrs := pp.attrs(created.state)
	attrs["max_connections"] = tftypes.NewValue(tftypes.Number, 7)
	stale := &tfprotov6.DynamicValue{}
	v := tftypes.NewValue(typ, attrs)
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	*stale = dv
	ctx := t.Context()
	proposed := map[string]tftypes.Value{}
	for k, v := range attrs {
		proposed[k] = v
	}
	for k, v := range cfg("2") {
		proposed[k] = v
	}
	plan, err := pp.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: databaseType,
		PriorState: stale, ProposedNewState: pp.dynamic(typ, proposed), Config: pp.dynamic(typ, cfg("2")),
		PriorPrivate: created.private, PriorIdentity: created.identity})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, "plan", plan.Diagnostics)
	resp, err := pp.server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: databaseType,
		PriorState: stale, PlannedState: plan.PlannedState, Config: pp.dynamic(typ, cfg("2")),
		PlannedPrivate: plan.PlannedPrivate, PlannedIdentity: plan.PlannedIdentity})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, "apply", resp.Diagnostics)
	planned, got := pp.attrs(plan.PlannedState)["max_connections"], pp.attrs(resp.NewState)["max_connections"]
	if !planned.Equal(got) {
		t.Fatalf("max_connections planned %v, applied %v: Terraform rejects this as an inconsistent result", planned, got)
	}
}
