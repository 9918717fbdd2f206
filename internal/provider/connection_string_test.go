package provider

import (
	"errors"
	"net/url"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// Every character of the panel's passwords that a URL parser reads its own way is encoded, and
// a standard parser gives the password back.
func TestConnectionString(t *testing.T) {
	const password = "Ab+c=d@e!f^g.h/i:j%k" //nolint:gosec // a made-up password with every special character
	got := connectionString(types.StringValue("u12_abc"), types.StringValue(password), types.StringValue("10.0.0.5"),
		types.Int64Value(3306), types.StringValue("s12_app"))
	const want = "mysql://u12_abc:Ab%2Bc%3Dd%40e%21f%5Eg.h%2Fi%3Aj%25k@10.0.0.5:3306/s12_app" //nolint:gosec // the made-up password above, encoded
	if got.ValueString() != want {
		t.Fatalf("connectionString = %q, want %q", got.ValueString(), want)
	}
	u, err := url.Parse(got.ValueString())
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := u.User.Password(); p != password || u.User.Username() != "u12_abc" || u.Host != "10.0.0.5:3306" || u.Path != "/s12_app" {
		t.Fatal("a URL parser does not read back what was encoded")
	}
	if v := connectionString(types.StringValue("u"), types.StringNull(), types.StringValue("h"), types.Int64Value(1), types.StringValue("d")); !v.IsNull() {
		t.Error("without a password the connection string is not null")
	}
	if v := connectionString(types.StringValue("u"), types.StringUnknown(), types.StringValue("h"), types.Int64Value(1), types.StringValue("d")); !v.IsUnknown() {
		t.Error("with the password unknown the connection string is not unknown")
	}
}

// connection_string follows the database: made with it, sensitive, the panel's credentials in
// it; a rotation gives it the new password (unknown in the plan, as password is); with
// store_password false it is null; and a refresh plans nothing.
func TestServerDatabase_connectionString(t *testing.T) {
	const cs = "connection_string"
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		matchesPanel := stateCheckFunc(func(req statecheck.CheckStateRequest) error {
			for _, r := range req.State.Values.RootModule.Resources {
				if r.Address != app {
					continue
				}
				dbs := p.Databases(p.server.Identifier)
				if len(dbs) != 1 {
					return errors.New("the panel does not hold the one database")
				}
				db := dbs[0]
				want := "mysql://" + escapeURIComponent(db.Username) + ":" + escapeURIComponent(db.Password) + "@" + db.Host + ":" +
					strconv.Itoa(db.Port) + "/" + db.Name
				if r.AttributeValues[cs] != want {
					return errors.New("connection_string is not the panel's credentials (not printed)")
				}
				return nil
			}
			return errors.New(app + " is not in state")
		})
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   minTerraform,
			ProtoV6ProviderFactories: providerFactories,
			Steps: []resource.TestStep{
				{
					Config: p.config(appConfig("")),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectSensitiveValue(app, tfjsonpath.New(cs)),
						matchesPanel,
					},
					ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
				{
					Config: p.config(appConfig(`rotate_when_changed = { v = "1" }`)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectUnknownValue(app, tfjsonpath.New(cs)),
					}},
					ConfigStateChecks: []statecheck.StateCheck{matchesPanel},
				},
				{
					Config: p.config(appConfig("rotate_when_changed = { v = \"1\" }\n  store_password = false")),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(app, tfjsonpath.New(cs), knownvalue.Null()),
					},
					ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		})
	})
}
