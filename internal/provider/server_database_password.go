package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/panelform/terraform-provider-pterodactyl/internal/panel"
)

// storesPassword reports whether the password belongs in state. Null is a state written
// before store_password existed, when the password was always stored.
func storesPassword(v types.Bool) bool {
	return v.IsNull() || v.IsUnknown() || v.ValueBool()
}

// passwordAfterWrite is the password to store after a create or rotate: the one the panel
// returned, or null with a warning when the key may not see it, or null without one when
// store_password is false.
func (r *serverDatabaseResource) passwordAfterWrite(db *panel.Database, server string, store types.Bool, diags *diag.Diagnostics) types.String {
	if !storesPassword(store) {
		return types.StringNull()
	}
	if db.PasswordState == panel.PasswordIncluded {
		return types.StringValue(db.Password)
	}
	diags.AddAttributeWarning(path.Root("password"), "Password not readable",
		fmt.Sprintf("The API key's user lacks the %s permission (Pelican: %s) on server %s, so the panel did not "+
			"return the password and password is null. Grant the permission and refresh to read it.",
			panel.PermissionViewPassword, panel.PermissionViewPasswordPelican, server))
	return types.StringNull()
}

// currentPassword reads the database's password from the panel, for an update that turns
// store_password on: null with a warning when the key may not see it.
func (r *serverDatabaseResource) currentPassword(ctx context.Context, m serverDatabaseModel, diags *diag.Diagnostics) types.String {
	limit, d := m.Timeouts.Update(ctx, defaultUpdateTimeout)
	diags.Append(d...)
	if diags.HasError() {
		return types.StringNull()
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	server, id := m.ServerID.ValueString(), m.ID.ValueString()
	dbs, err := r.data.client.ListDatabases(ctx, server, true)
	if err != nil {
		op := operation{summary: "Cannot read the database password", server: server, permission: panel.PermissionRead, timeout: "update", limit: limit}
		op.addError(diags, err)
		return types.StringNull()
	}
	db := panel.FindDatabase(dbs, id)
	if db == nil {
		diags.AddError("Cannot read the database password", fmt.Sprintf("Server %s no longer has database %s: it was "+
			"deleted outside Terraform. Run terraform apply again to create it anew.", server, id))
		return types.StringNull()
	}
	return r.passwordAfterWrite(db, server, types.BoolValue(true), diags)
}
