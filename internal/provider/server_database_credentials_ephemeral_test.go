package provider

import (
	"fmt"
	"net/url"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/panelform/terraform-provider-pterodactyl/internal/paneltest"
)

// Ephemeral resources need Terraform 1.10 or OpenTofu 1.11 (ephemeralResources, in
// opentofu_test.go). Their values never reach state, so the tests pass them to the echo
// provider, whose one resource stores its provider configuration.
var (
	ephemeralTerraform = []tfversion.TerraformVersionCheck{ephemeralResources}
	echoFactories      = map[string]func() (tfprotov6.ProviderServer, error){
		"pterodactyl": providerFactories["pterodactyl"],
		"echo":        echoprovider.NewProviderServer(),
	}
)

// echoCredentials is a configuration that opens the credentials with the given arguments
// and copies them into echo.<name>.data.
func echoCredentials(name, args string) string {
	return fmt.Sprintf(`
ephemeral "pterodactyl_server_database_credentials" "db" {
  server_id = "SERVER"
  %s
}
provider "echo" {
  data = ephemeral.pterodactyl_server_database_credentials.db
}
resource "echo" %q {}
`, args, name)
}

// credentialsValue is what the ephemeral resource gives for a panel database looked up
// with name (or by id, when name is the name without prefix).
func credentialsValue(db paneltest.Database, server, name string) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"server_id":      knownvalue.StringExact(server),
		"id":             knownvalue.StringExact(db.ID),
		"name":           knownvalue.StringExact(name),
		"database_name":  knownvalue.StringExact(db.Name),
		"username":       knownvalue.StringExact(db.Username),
		"password":       knownvalue.StringExact(db.Password),
		"host":           knownvalue.StringExact(db.Host),
		"port":           knownvalue.Int64Exact(int64(db.Port)),
		"connection_uri": uriOf(db),
	})
}

// uriOf checks a connection URI by parsing it back: every part must decode to the panel's.
func uriOf(db paneltest.Database) knownvalue.Check {
	return knownvalue.StringFunc(func(v string) error {
		u, err := url.Parse(v)
		if err != nil {
			return err
		}
		pw, _ := u.User.Password()
		switch {
		case u.Scheme != "mysql", u.User.Username() != db.Username, pw != db.Password,
			u.Hostname() != db.Host, u.Port() != fmt.Sprint(db.Port), u.Path != "/"+db.Name:
			return fmt.Errorf("connection_uri does not decode to the database's credentials")
		case regexp.MustCompile(`^mysql://[A-Za-z0-9._~%-]+:[A-Za-z0-9._~%-]+@`).FindString(v) == "":
			return fmt.Errorf("connection_uri has user information that is not strictly percent-encoded")
		}
		return nil
	})
}

func TestServerDatabaseCredentials_byNameAndID(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		db := p.AddDatabase(p.server.Identifier, "app", "%")
		p.AddDatabase(p.server.Identifier, "other", "%")
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   ephemeralTerraform,
			ProtoV6ProviderFactories: echoFactories,
			Steps: []resource.TestStep{
				{
					Config: p.config(echoCredentials("by_name", `name = "app"`)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("echo.by_name", tfjsonpath.New("data"), credentialsValue(db, p.server.Identifier, "app")),
					},
				},
				{
					Config: p.config(echoCredentials("by_stored_name", `name = "s12_app"`)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("echo.by_stored_name", tfjsonpath.New("data"), credentialsValue(db, p.server.Identifier, "s12_app")),
					},
				},
				{
					Config: p.config(echoCredentials("by_id", `id = "`+db.ID+`"`)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("echo.by_id", tfjsonpath.New("data"), credentialsValue(db, p.server.Identifier, "app")),
					},
					Check: func(*terraform.State) error {
						// Opened in every plan and apply above, and never once a write.
						if n := p.Requests(paneltest.RouteRotatePassword) + p.Requests(paneltest.RouteCreateDatabase); n != 0 {
							return fmt.Errorf("the ephemeral resource made %d writes", n)
						}
						if p.Databases(p.server.Identifier)[0].Password != db.Password {
							return fmt.Errorf("the password changed")
						}
						return nil
					},
				},
			},
		})
	})
}

func TestServerDatabaseCredentials_errors(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		db := p.AddDatabase(p.server.Identifier, "app", "%")
		blind := p.withoutPermission(p.ViewPasswordPermission())
		cases := []struct {
			name, key, args string
			want            []string
		}{
			{"no view permission", blind, `name = "app"`, []string{
				"Password not readable", "lacks the database.view_password permission (Pelican: database.view-password) on server " +
					p.server.Identifier, "password of database " + db.ID, "use the owner's key",
			}},
			{"no read permission", p.withoutPermission("database.read"), `name = "app"`, []string{"lacks the database.read permission"}},
			{"missing name", p.key, `name = "nope"`, []string{"Database not found", `has no database with name "nope"`, db.ID + " (s12_app)"}},
			{"missing id", p.key, `id = "424242"`, []string{"Database not found", `has no database with id "424242"`}},
			{"both", p.key, "name = \"app\"\n  id = \"" + db.ID + `"`, []string{"Exactly one of these attributes must be configured: [id,name]"}},
			{"neither", p.key, "", []string{"Exactly one of these attributes must be configured: [id,name]"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resource.UnitTest(t, resource.TestCase{
					TerraformVersionChecks:   ephemeralTerraform,
					ProtoV6ProviderFactories: echoFactories,
					Steps: []resource.TestStep{{
						Config:      p.providerBlock(tc.key) + replaceServer(echoCredentials("c", tc.args), p.server.Identifier),
						ExpectError: errorRE(tc.want...),
					}},
				})
			})
		}
	})
}

func TestServerDatabaseCredentials_unknownServer(t *testing.T) {
	p := startPanel(t, paneltest.Pterodactyl)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralTerraform,
		ProtoV6ProviderFactories: echoFactories,
		Steps: []resource.TestStep{{
			Config:      p.providerBlock(p.key) + replaceServer(echoCredentials("c", `name = "app"`), "0000ffff"),
			ExpectError: errorRE("Cannot read the database credentials", "Server 0000ffff does not exist"),
		}},
	})
}

func replaceServer(config, server string) string {
	return regexp.MustCompile(`SERVER`).ReplaceAllLiteralString(config, server)
}

func TestConnectionURI(t *testing.T) {
	cases := []struct {
		user, password, host string
		port                 int
		database, want       string
	}{
		{"u12_Ab3dE6gH9k", "plainPassword123", "10.0.0.5", 3306, "s12_game", "mysql://u12_Ab3dE6gH9k:plainPassword123@10.0.0.5:3306/s12_game"},
		// Every special character the panel's generator uses, and the URI's own delimiters.
		{"u1_x", "a!b@c=d.e+f^g", "db.example.com", 3307, "s1_x", "mysql://u1_x:a%21b%40c%3Dd.e%2Bf%5Eg@db.example.com:3307/s1_x"},
		{"u1_x", ":/?#[]% ~-_", "db", 3306, "s1_x", "mysql://u1_x:%3A%2F%3F%23%5B%5D%25%20~-_@db:3306/s1_x"},
		{"u1_x", "pw", "2001:db8::5", 3306, "s1_x", "mysql://u1_x:pw@[2001:db8::5]:3306/s1_x"},
		{"u1_x", "pw", "db", 3306, "s1_bäckerei", "mysql://u1_x:pw@db:3306/s1_b%C3%A4ckerei"},
	}
	for _, tc := range cases {
		got := connectionURI(tc.user, tc.password, tc.host, tc.port, tc.database)
		if got != tc.want {
			t.Errorf("connectionURI(%q, …, %q) = %q, want %q", tc.user, tc.host, got, tc.want)
			continue
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		if pw, _ := u.User.Password(); pw != tc.password || u.Path != "/"+tc.database {
			t.Errorf("%q does not decode to its parts", got)
		}
	}
}

// With store_password = false the ephemeral resource is where the password comes from: it
// is read after the create, and again after each rotation, and never reaches state.
func TestServerDatabaseCredentials_withStorePasswordFalse(t *testing.T) {
	eachFlavor(t, func(t *testing.T, p *testPanel) {
		config := func(rotation, echo string) string {
			return p.config(appConfig("store_password = false\n  rotate_when_changed = { v = \""+rotation+"\" }") + `
ephemeral "pterodactyl_server_database_credentials" "app" {
  server_id = pterodactyl_server_database.app.server_id
  id        = pterodactyl_server_database.app.id
}
provider "echo" {
  data = ephemeral.pterodactyl_server_database_credentials.app.password
}
resource "echo" "` + echo + `" {}
`)
		}
		panelPassword := knownvalue.StringFunc(func(v string) error {
			if v != p.Databases(p.server.Identifier)[0].Password {
				return fmt.Errorf("the ephemeral password is not the panel's current one")
			}
			return nil
		})
		newPassword := statecheck.CompareValue(compare.ValuesDiffer())
		resource.UnitTest(t, resource.TestCase{
			TerraformVersionChecks:   ephemeralTerraform,
			ProtoV6ProviderFactories: echoFactories,
			Steps: []resource.TestStep{
				{
					Config: config("1", "created"),
					ConfigStateChecks: append([]statecheck.StateCheck{
						statecheck.ExpectKnownValue("echo.created", tfjsonpath.New("data"), panelPassword),
						newPassword.AddStateValue("echo.created", tfjsonpath.New("data")),
					}, passwordIsNull...),
					Check: p.noPassword,
				},
				{
					// The echo resource keeps its first value; a new one shows the password now.
					Config: config("2", "rotated"),
					ConfigStateChecks: append([]statecheck.StateCheck{
						statecheck.ExpectKnownValue("echo.rotated", tfjsonpath.New("data"), panelPassword),
						newPassword.AddStateValue("echo.rotated", tfjsonpath.New("data")),
					}, passwordIsNull...),
					Check: resource.ComposeTestCheckFunc(p.noPassword, p.requests(paneltest.RouteRotatePassword, 1)),
				},
			},
		})
	})
}
