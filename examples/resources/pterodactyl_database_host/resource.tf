# A database host of a Pelican panel (Pterodactyl has no API for hosts). The
# provider's api_key must be an administrator's: an application key with the
# database_host permission set to Read & Write, or a client key of a root admin.

terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
  }
}

variable "mysql_password" {
  type      = string
  sensitive = true
  ephemeral = true # Terraform 1.10+: not even the plan file keeps it
}

resource "pterodactyl_database_host" "eu" {
  name     = "eu-mysql-1"
  host     = "10.0.0.5"
  port     = 3306
  username = "pelican" # a MySQL user that may create databases and users
  node_ids = [1, 2]    # a change replaces the host

  # Write-only (Terraform 1.11+): sent to the panel, never kept in state.
  # Bump the version to send a changed password; until then the panel keeps
  # the one it has. On older Terraform, use password instead.
  password_wo         = var.mysql_password
  password_wo_version = 1
}

# A server's database, made on that host.
resource "pterodactyl_server_database" "app" {
  server_id        = "1a7ce997"
  name             = "minecraft"
  database_host_id = pterodactyl_database_host.eu.id
}
