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

resource "pterodactyl_server_database" "stats" {
  server_id = var.server_id
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
