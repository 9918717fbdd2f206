package provider

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

// panelRuleValidator checks a string with one of the panel's own rules, at plan time, so a
// value the panel would refuse never reaches it.
type panelRuleValidator struct {
	what  string
	check func(string) error
}

var (
	nameValidator   = panelRuleValidator{what: "A database name", check: panel.ValidateName}
	remoteValidator = panelRuleValidator{what: "A remote host pattern", check: panel.ValidateRemote}
)

// cidrRemoteWarning warns about a remote in CIDR notation, which only some database servers
// read as a network.
type cidrRemoteWarning struct{}

func (cidrRemoteWarning) Description(context.Context) string {
	return "warns about a remote in CIDR notation, which MariaDB does not read"
}

func (v cidrRemoteWarning) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (cidrRemoteWarning) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || !panel.CIDRRemote(req.ConfigValue.ValueString()) {
		return
	}
	remote := req.ConfigValue.ValueString()
	resp.Diagnostics.AddAttributeWarning(req.Path, "Remote in CIDR notation", fmt.Sprintf(
		"%s %q is in CIDR notation, which MySQL reads as a network from 8.0.23 only, and MariaDB never: it keeps "+
			"%q as a host name, and the database user can never log in (ERROR 1045). A netmask, such as "+
			"10.0.0.0/255.0.0.0, or a wildcard, such as 10.%%, allows the same addresses on both.", req.Path, remote, remote))
}

func (v panelRuleValidator) Description(context.Context) string {
	return v.what + " the panel accepts"
}

func (v panelRuleValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v panelRuleValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value for "+req.Path.String(),
			fmt.Sprintf("%s %s.", req.Path, err))
	}
}

// durationValidator accepts Go durations such as "30s".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "a positive duration such as 30s or 2m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%s must be a positive duration such as \"30s\" or \"2m\", got %q.", req.Path, req.ConfigValue.ValueString()))
	}
}

var (
	shortIDRE = regexp.MustCompile(`^[A-Za-z0-9]{8}$`)
	uuidRE    = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
)

// serverIDProblem says what is wrong with a server reference, or "" when it has the shape of
// a short identifier or a UUID. Whether the server exists is for the panel to say.
func serverIDProblem(s string) string {
	switch {
	case s == "":
		return "is empty"
	case shortIDRE.MatchString(s), uuidRE.MatchString(s):
		return ""
	}
	return "is neither an 8-character server identifier (such as 1a7ce997) nor a server UUID"
}

// serverIDValidator checks the shape of server_id at plan time.
type serverIDValidator struct{}

func (serverIDValidator) Description(context.Context) string {
	return "an 8-character server identifier or a server UUID"
}

func (v serverIDValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (serverIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if p := serverIDProblem(req.ConfigValue.ValueString()); p != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid server_id",
			fmt.Sprintf("%s %q %s. Copy the identifier from the server's page on the panel.", req.Path, req.ConfigValue.ValueString(), p))
	}
}

// keepServerForm plans server_id as it is in state when the configuration names the same
// server in its other form (the 8-character identifier or the UUID), so switching between
// them plans nothing. Terraform accepts a planned value that differs from the configuration
// when it equals the prior state: "the new value is functionally equivalent to the old"
// (hashicorp/terraform, internal/plans/objchange/plan_valid.go, assertPlannedValueValid).
type keepServerForm struct{}

func (keepServerForm) Description(context.Context) string {
	return "Keeps the form of server_id in state when the configuration names the same server in its other form."
}

func (m keepServerForm) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (keepServerForm) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	if panel.SameServer(req.StateValue.ValueString(), req.PlanValue.ValueString()) {
		resp.PlanValue = req.StateValue
	}
}

// replaceUnlessSameServer replaces the database when server_id names another server.
var replaceUnlessSameServer = stringplanmodifier.RequiresReplaceIf(
	func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !panel.SameServer(req.StateValue.ValueString(), req.PlanValue.ValueString())
	},
	"Changing the server replaces the database; switching between the server's identifier and UUID does not.",
	"Changing the server replaces the database; switching between the server's identifier and UUID does not.",
)
