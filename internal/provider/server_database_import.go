package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

// importIDHelp lists the import ID forms for error messages.
const importIDHelp = "Use one of:\n" +
	"  <server>/<database id>      for example 1a7ce997/bEY4yAD5, or 1a7ce997/12 on Pelican\n" +
	"  <server>/<name>             for example 1a7ce997/minecraft or 1a7ce997/s12_minecraft\n" +
	"where <server> is the server's 8-character identifier or its full UUID."

// parseImportID splits "<server>/<database id or name>".
func parseImportID(id string) (server, ref string, err error) {
	server, ref, ok := strings.Cut(strings.TrimSpace(id), "/")
	switch {
	case !ok || server == "" || ref == "" || strings.Contains(ref, "/"):
		return "", "", fmt.Errorf("the import ID %q is not of the form <server>/<database>. %s", id, importIDHelp)
	case serverIDProblem(server) != "":
		return "", "", fmt.Errorf("the import ID %q starts with %q, which %s. %s", id, server, serverIDProblem(server), importIDHelp)
	}
	return server, ref, nil
}

// matchDatabase finds ref among dbs by id, else by name.
func matchDatabase(dbs []panel.Database, ref string) *panel.Database {
	if db := panel.FindDatabase(dbs, ref); db != nil {
		return db
	}
	return findByName(dbs, ref)
}

// findByName finds a database by its stored name, else by its name without the s{N}_ prefix.
func findByName(dbs []panel.Database, name string) *panel.Database {
	if db := panel.FindStoredName(dbs, name); db != nil {
		return db
	}
	for i := range dbs {
		if panel.ShortName(dbs[i].Name) == name {
			return &dbs[i]
		}
	}
	return nil
}

// ImportState takes either the import ID "<server>/<database id or name>" or, on Terraform
// 1.12 and later, an identity (server_id and database_id). Either way the database must be on
// the panel, and nothing is rotated.
func (r *serverDatabaseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	server, ref, byIdentity := r.importTarget(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	dbs, err := r.data.client.ListDatabases(ctx, server, false)
	if err != nil {
		op := operation{summary: "Cannot import the database", server: server, permission: panel.PermissionRead}
		op.addError(&resp.Diagnostics, err)
		return
	}
	db, what := matchDatabase(dbs, ref), "id or name"
	if byIdentity {
		// An identity names a database by id only: a name is not an identity.
		db, what = panel.FindDatabase(dbs, ref), "id"
	}
	if db == nil && r.data.client.OtherIDForm(ref) {
		// An id in the form of the other key kind: the client API's hashid, or the
		// application API's number. The panel tells which database it is.
		db = r.data.client.FindAnyForm(ctx, server, dbs, ref)
	}
	if db == nil {
		if err := r.data.client.ForeignDatabase(ctx, server, ref); err != nil {
			op := operation{summary: "Cannot import the database", server: server, permission: panel.PermissionRead}
			op.addError(&resp.Diagnostics, err)
			return
		}
		resp.Diagnostics.AddError("Cannot import the database", fmt.Sprintf(
			"Server %s has no database with the %s %q. It has: %s.", server, what, ref, describeDatabases(dbs)))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), db.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("server_id"), server)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), panel.ShortName(db.Name))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("remote"), db.Remote)...)
	// Import cannot see the configuration, so it records the default; a configuration with
	// store_password = false plans the password to null before anything is applied.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("store_password"), true)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateAdoptTriggers, []byte(`true`))...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, server, db.ID)...)
}

// importTarget is the server and database reference to import, from the import ID or else
// from the identity; byIdentity says which.
func (r *serverDatabaseResource) importTarget(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) (server, ref string, byIdentity bool) {
	if req.ID != "" || req.Identity == nil || req.Identity.Raw.IsNull() {
		server, ref, err := parseImportID(req.ID)
		if err != nil {
			resp.Diagnostics.AddError("Invalid import ID", err.Error())
		}
		return server, ref, false
	}
	var id serverDatabaseIdentity
	resp.Diagnostics.Append(req.Identity.Get(ctx, &id)...)
	if resp.Diagnostics.HasError() {
		return "", "", true
	}
	server, ref = id.ServerID.ValueString(), strings.TrimSpace(id.DatabaseID.ValueString())
	if problem := serverIDProblem(server); problem != "" {
		resp.Diagnostics.AddError("Invalid import identity", fmt.Sprintf("The identity's server_id %q %s. Set it to "+
			"the server's 8-character identifier (such as 1a7ce997) or its UUID.", server, problem))
	}
	if ref == "" {
		resp.Diagnostics.AddError("Invalid import identity", "The identity's database_id is empty. Set it to the "+
			"panel's id of the database (such as bEY4yAD5 on Pterodactyl, 12 on Pelican); the "+
			"pterodactyl_server_databases data source and terraform query list them.")
	}
	return server, ref, true
}

// describeDatabases lists ids and names for an error message.
func describeDatabases(dbs []panel.Database) string {
	if len(dbs) == 0 {
		return "no databases"
	}
	parts := make([]string, 0, len(dbs))
	for _, d := range dbs {
		parts = append(parts, fmt.Sprintf("%s (%s)", d.ID, d.Name))
	}
	return strings.Join(parts, ", ")
}

// lookupDatabase reads the server's databases and picks one by id, or else by name (with or
// without the s{N}_ prefix), for the data source and the ephemeral resource. Nil, with the
// diagnostic added, when the panel refuses or has no such database.
func lookupDatabase(ctx context.Context, client *panel.Client, server string, id, name types.String, summary string, diags *diag.Diagnostics) *panel.Database {
	dbs, err := client.ListDatabases(ctx, server, true)
	if err != nil {
		operation{summary: summary, server: server, permission: panel.PermissionRead}.addError(diags, err)
		return nil
	}
	db, at, ref := findByName(dbs, name.ValueString()), path.Root("name"), name.ValueString()
	if !id.IsNull() {
		db, at, ref = panel.FindDatabase(dbs, id.ValueString()), path.Root("id"), id.ValueString()
	}
	if db == nil {
		diags.AddAttributeError(at, "Database not found",
			fmt.Sprintf("Server %s has no database with %s %q. It has: %s.", server, at, ref, describeDatabases(dbs)))
	}
	return db
}
