# Admin mode on a Pelican panel: a database host, and a database for a game
# server on that host. `make demo ADMIN=1` runs this against a local panel and
# a private MariaDB; point PTERODACTYL_PANEL_URL and PTERODACTYL_API_KEY at your
# own panel to run it for real.
#
# The key is an application key (papp_...) with Read on server and Read &
# Write on server_database and database_host, or a client key of a root admin.
# Pterodactyl has no API for database hosts: there, create the host in the
# admin area and give its id to database_host_id.

terraform {
  required_version = ">= 1.5.7"
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
  }
}

# Settings come from PTERODACTYL_PANEL_URL and PTERODACTYL_API_KEY.
provider "pterodactyl" {}

variable "server_id" {
  description = "The game server: its 8-character identifier or its UUID."
  type        = string
  default     = "1a7ce997"
}

variable "host_address" {
  description = "The MySQL or MariaDB server's address, as the panel reaches it and as game servers connect to it."
  type        = string
}

variable "host_port" {
  description = "The MySQL or MariaDB server's port."
  type        = number
  default     = 3306
}

variable "host_username" {
  description = "An account on that server that may create databases and users and grant them privileges (ALL PRIVILEGES ON *.* WITH GRANT OPTION). The panel logs in with it to make every database on the host."
  type        = string
}

variable "host_password" {
  description = "That account's password. Set it with TF_VAR_host_password rather than on the command line."
  type        = string
  sensitive   = true
}

variable "host_password_version" {
  description = "Change it to send host_password to the panel again, after changing the password on the server."
  type        = number
  default     = 1
}

variable "node_ids" {
  description = "The nodes whose servers get their databases on this host. Changing them replaces the host."
  type        = list(number)
  default     = [1]
}

variable "rotation" {
  description = "Change this value to rotate the game database's password."
  type        = string
  default     = "1"
}

resource "pterodactyl_database_host" "mariadb" {
  name     = "demo-mariadb"
  host     = var.host_address
  port     = var.host_port
  username = var.host_username
  node_ids = var.node_ids

  # The panel logs in with these before it saves the host, and refuses the
  # host when it cannot. password_wo is write-only (Terraform 1.11 and later):
  # it never reaches plan or state, and is sent again only when
  # password_wo_version changes. Before Terraform 1.11, write
  # `password = var.host_password` instead: sensitive, and kept in state.
  password_wo         = var.host_password
  password_wo_version = var.host_password_version
}

resource "pterodactyl_server_database" "game" {
  server_id        = var.server_id
  name             = "game"
  database_host_id = pterodactyl_database_host.mariadb.id # the create goes through the application API

  rotate_when_changed = {
    manual = var.rotation
  }
}

data "pterodactyl_database_hosts" "all" {
  depends_on = [pterodactyl_database_host.mariadb]
}

output "database_host_id" {
  value = pterodactyl_database_host.mariadb.id
}

output "database_name" {
  description = "The name the panel stores, s<N>_game."
  value       = pterodactyl_server_database.game.database_name
}

output "username" {
  value = pterodactyl_server_database.game.username
}

output "address" {
  value = "${pterodactyl_server_database.game.host}:${pterodactyl_server_database.game.port}"
}

output "password" {
  value     = pterodactyl_server_database.game.password
  sensitive = true
}

output "database_hosts" {
  description = "Every database host of the panel, read through the data source."
  value       = data.pterodactyl_database_hosts.all.hosts[*].name
}
