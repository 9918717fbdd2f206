package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The Terraform CLI on the test machines is 1.11.4, which knows nothing of resource
// identity (1.12), list resources or actions (1.14). Those are tested here, at the plugin
// protocol: the provider server is built as Terraform would start it, and its tfprotov6
// methods are called in the order Terraform calls them.

const databaseType = "pterodactyl_server_database"

// protoProvider is a configured provider server and its schemas. The list and action
// methods are on interfaces of their own while terraform-plugin-go calls them temporary.
type protoProvider struct {
	t       *testing.T
	config  map[string]tftypes.Value // the provider's configuration
	server  tfprotov6.ProviderServer
	lister  tfprotov6.ListResourceServer
	actions tfprotov6.ActionServer
	schemas *tfprotov6.GetProviderSchemaResponse
}

// newProtoProvider starts the provider server and configures it for p with key, as a
// Terraform 1.14 would.
func newProtoProvider(t *testing.T, p *testPanel, key string) *protoProvider {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	requireNoErrors(t, "GetProviderSchema", schemas.Diagnostics)
	lister, ok := server.(tfprotov6.ListResourceServer)
	if !ok {
		t.Fatal("the provider server does not serve list resources")
	}
	actions, ok := server.(tfprotov6.ActionServer)
	if !ok {
		t.Fatal("the provider server does not serve actions")
	}
	pp := &protoProvider{t: t, server: server, lister: lister, actions: actions, schemas: schemas,
		config: map[string]tftypes.Value{"panel_url": str(p.URL()), "api_key": str(key)}}
	pp.configure()
	return pp
}

// configure configures the provider, as Terraform does at the start of each walk (plan,
// apply): what the provider keeps for one walk starts anew.
func (pp *protoProvider) configure() {
	pp.t.Helper()
	resp, err := pp.server.ConfigureProvider(pp.t.Context(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0",
		Config:           pp.dynamic(pp.schemas.Provider.ValueType(), pp.config),
	})
	if err != nil {
		pp.t.Fatal(err)
	}
	requireNoErrors(pp.t, "ConfigureProvider", resp.Diagnostics)
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

// dynamic encodes an object of typ with the given attributes; the others are null.
func (pp *protoProvider) dynamic(typ tftypes.Type, attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	pp.t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		pp.t.Fatalf("%s is not an object type", typ)
	}
	values := map[string]tftypes.Value{}
	for name, at := range obj.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		if _, ok := obj.AttributeTypes[name]; !ok {
			pp.t.Fatalf("no attribute %q in %s", name, typ)
		}
		values[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, values))
	if err != nil {
		pp.t.Fatal(err)
	}
	return &dv
}

// decode turns a dynamic value of typ into its attributes; nil for a null object.
func (pp *protoProvider) decode(typ tftypes.Type, dv *tfprotov6.DynamicValue) map[string]tftypes.Value {
	pp.t.Helper()
	if dv == nil {
		return nil
	}
	v, err := dv.Unmarshal(typ)
	if err != nil {
		pp.t.Fatal(err)
	}
	if v.IsNull() {
		return nil
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		pp.t.Fatal(err)
	}
	return attrs
}

// resourceType and identityType are the value types of the database resource and its identity.
func (pp *protoProvider) resourceType() tftypes.Type {
	return pp.schemas.ResourceSchemas[databaseType].ValueType()
}

func (pp *protoProvider) identityType() tftypes.Type {
	pp.t.Helper()
	resp, err := pp.server.GetResourceIdentitySchemas(pp.t.Context(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		pp.t.Fatal(err)
	}
	requireNoErrors(pp.t, "GetResourceIdentitySchemas", resp.Diagnostics)
	return resp.IdentitySchemas[databaseType].ValueType()
}

// identity encodes a database identity.
func (pp *protoProvider) identity(server, id string) *tfprotov6.ResourceIdentityData {
	return &tfprotov6.ResourceIdentityData{IdentityData: pp.dynamic(pp.identityType(), map[string]tftypes.Value{
		"server_id": str(server), "database_id": str(id),
	})}
}

// identityOf decodes an identity into server_id and database_id.
func (pp *protoProvider) identityOf(data *tfprotov6.ResourceIdentityData) (server, id string) {
	pp.t.Helper()
	if data == nil {
		pp.t.Fatal("no identity")
	}
	attrs := pp.decode(pp.identityType(), data.IdentityData)
	return stringOf(pp.t, attrs["server_id"]), stringOf(pp.t, attrs["database_id"])
}

// stringOf is the Go string of a known string value, "<null>" for null.
func stringOf(t *testing.T, v tftypes.Value) string {
	t.Helper()
	if v.IsNull() {
		return "<null>"
	}
	var s string
	if err := v.As(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// diagnosticsText renders diagnostics for failure messages and matching.
func diagnosticsText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Severity.String() + ": " + d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}

func requireNoErrors(t *testing.T, call string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	if hasError(diags) {
		t.Fatalf("%s: %s", call, diagnosticsText(diags))
	}
}

// requireError fails unless diags hold an error matching all of parts, in order.
func requireError(t *testing.T, call string, diags []*tfprotov6.Diagnostic, parts ...string) {
	t.Helper()
	re := errorRE(parts...)
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError && re.MatchString(d.Summary+": "+d.Detail) {
			return
		}
	}
	t.Fatalf("%s: want an error matching %q, got:\n%s", call, re, diagnosticsText(diags))
}

// null is the null value of typ, as Terraform sends for an absent state.
func (pp *protoProvider) null(typ tftypes.Type) *tfprotov6.DynamicValue {
	pp.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		pp.t.Fatal(err)
	}
	return &dv
}

// importDatabase runs ImportResourceState with an import ID or, when id is "", an identity.
func (pp *protoProvider) importDatabase(id string, identity *tfprotov6.ResourceIdentityData) *tfprotov6.ImportResourceStateResponse {
	pp.t.Helper()
	resp, err := pp.server.ImportResourceState(pp.t.Context(), &tfprotov6.ImportResourceStateRequest{
		TypeName: databaseType, ID: id, Identity: identity,
	})
	if err != nil {
		pp.t.Fatal(err)
	}
	return resp
}

// read runs ReadResource, as a refresh does.
func (pp *protoProvider) read(state *tfprotov6.DynamicValue, identity *tfprotov6.ResourceIdentityData, private []byte) *tfprotov6.ReadResourceResponse {
	pp.t.Helper()
	resp, err := pp.server.ReadResource(pp.t.Context(), &tfprotov6.ReadResourceRequest{
		TypeName: databaseType, CurrentState: state, CurrentIdentity: identity, Private: private,
	})
	if err != nil {
		pp.t.Fatal(err)
	}
	return resp
}

// applied is what an apply left: the new state and identity, or the diagnostics that
// stopped it.
type applied struct {
	state       *tfprotov6.DynamicValue
	identity    *tfprotov6.ResourceIdentityData
	private     []byte
	diagnostics []*tfprotov6.Diagnostic
}

// apply plans config against prior (nil to create) and applies the plan, building the
// proposed new state the way Terraform does: configured values, and prior values for
// computed attributes the configuration leaves null. Each apply is a walk of its own, as
// `terraform apply` of a saved plan is.
func (pp *protoProvider) apply(prior applied, config map[string]tftypes.Value) applied {
	pp.t.Helper()
	pp.configure()
	ctx := pp.t.Context()
	typ := pp.resourceType()
	priorState := prior.state
	if priorState == nil {
		priorState = pp.null(typ)
	}
	priorAttrs := pp.decode(typ, priorState)
	proposed := map[string]tftypes.Value{}
	for _, a := range pp.schemas.ResourceSchemas[databaseType].Block.Attributes {
		switch v, set := config[a.Name]; {
		case set && !v.IsNull():
			proposed[a.Name] = v
		case a.Computed && priorAttrs != nil:
			proposed[a.Name] = priorAttrs[a.Name]
		}
	}
	cfg := pp.dynamic(typ, config)
	plan, err := pp.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: databaseType, PriorState: priorState, ProposedNewState: pp.dynamic(typ, proposed),
		Config: cfg, PriorPrivate: prior.private, PriorIdentity: prior.identity,
	})
	if err != nil {
		pp.t.Fatal(err)
	}
	if hasError(plan.Diagnostics) {
		return applied{diagnostics: plan.Diagnostics}
	}
	resp, err := pp.server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: databaseType, PriorState: priorState, PlannedState: plan.PlannedState, Config: cfg,
		PlannedPrivate: plan.PlannedPrivate, PlannedIdentity: plan.PlannedIdentity,
	})
	if err != nil {
		pp.t.Fatal(err)
	}
	return applied{state: resp.NewState, identity: resp.NewIdentity, private: resp.Private, diagnostics: resp.Diagnostics}
}

func hasError(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

// attrs decodes a resource state into its attributes.
func (pp *protoProvider) attrs(state *tfprotov6.DynamicValue) map[string]tftypes.Value {
	pp.t.Helper()
	return pp.decode(pp.resourceType(), state)
}
