package provider

import (
	"context"
	"fmt"
	"strings"

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
	if db := findDatabase(dbs, ref); db != nil {
		return db
	}
	return findByName(dbs, ref)
}

// findByName finds a database by its stored name, else by its name without the s{N}_ prefix.
func findByName(dbs []panel.Database, name string) *panel.Database {
	for i := range dbs {
		if dbs[i].Name == name {
			return &dbs[i]
		}
	}
	for i := range dbs {
		if panel.ShortName(dbs[i].Name) == name {
			return &dbs[i]
		}
	}
	return nil
}

func (r *serverDatabaseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	server, ref, err := parseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	dbs, err := r.data.client.ListDatabases(ctx, server, false)
	if err != nil {
		op := operation{summary: "Cannot import the database", server: server, permission: panel.PermissionRead}
		op.addError(&resp.Diagnostics, err)
		return
	}
	db := matchDatabase(dbs, ref)
	if db == nil {
		resp.Diagnostics.AddError("Cannot import the database", fmt.Sprintf(
			"Server %s has no database with the id or name %q. It has: %s.", server, ref, describeDatabases(dbs)))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), db.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("server_id"), server)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), panel.ShortName(db.Name))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("remote"), db.Remote)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateAdoptTriggers, []byte(`true`))...)
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
