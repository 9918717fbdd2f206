# Two databases on one game server, their connection details, and a password
# rotation you trigger by changing var.rotation. `make demo` runs this against
# a local panel; point PTERODACTYL_PANEL_URL and PTERODACTYL_API_KEY at your
# own panel to run it for real.

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

variable "server_name" {
  description = "The same server's name: the stats database finds its server by name."
  type        = string
  default     = "Demo Minecraft"
}

variable "rotation" {
  description = "Change this value to rotate the game database's password."
  type        = string
  default     = "1"
}

resource "pterodactyl_server_database" "game" {
  server_id = var.server_id
  name      = "game"

  rotate_when_changed = {
    manual = var.rotation
  }
}

# The server found by its exact name, among the servers the key reaches; an error if none
# or several have it.
data "pterodactyl_server" "by_name" {
  name = var.server_name
}

resource "pterodactyl_server_database" "stats" {
  server_id = data.pterodactyl_server.by_name.identifier
  name      = "stats"
  remote    = "127.0.0.1"
}

data "pterodactyl_server_databases" "all" {
  server_id  = var.server_id
  depends_on = [pterodactyl_server_database.game, pterodactyl_server_database.stats]
}

output "database_names" {
  description = "The names the panel stores, s<N>_<name>."
  value = {
    game  = pterodactyl_server_database.game.database_name
    stats = pterodactyl_server_database.stats.database_name
  }
}

output "usernames" {
  value = {
    game  = pterodactyl_server_database.game.username
    stats = pterodactyl_server_database.stats.username
  }
}

output "server_found_by_name" {
  description = "The server the stats database is on, found by name."
  value       = "${data.pterodactyl_server.by_name.name} is ${data.pterodactyl_server.by_name.identifier} (internal id ${data.pterodactyl_server.by_name.internal_id})"
}

output "host" {
  value = "${pterodactyl_server_database.game.host}:${pterodactyl_server_database.game.port}"
}

output "game_password" {
  value     = pterodactyl_server_database.game.password
  sensitive = true
}

output "all_databases_on_server" {
  description = "Every database the server has, read through the data source."
  value       = data.pterodactyl_server_databases.all.databases[*].database_name
}
