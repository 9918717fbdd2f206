# A database for a game server. The panel picks the host and generates the
# user name and password; name is stored as s<N>_minecraft.

terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
    time = {
      source = "hashicorp/time"
    }
  }
}

resource "pterodactyl_server_database" "minecraft" {
  server_id = "1a7ce997" # the server's identifier, or its full UUID
  name      = "minecraft"
  remote    = "%" # connections from anywhere (the default)
}

# Rotate the password every 30 days: time_rotating changes its id when the
# period has passed, and the change rotates the password in place.
resource "time_rotating" "monthly" {
  rotation_days = 30
}

resource "pterodactyl_server_database" "stats" {
  server_id = "1a7ce997"
  name      = "stats"
  remote    = "10.0.0.%"

  rotate_when_changed = {
    schedule = time_rotating.monthly.id
    # Bump this by hand to rotate right away, for example after a leak.
    manual = "1"
  }
}

output "stats_connection" {
  value = {
    host     = pterodactyl_server_database.stats.host
    port     = pterodactyl_server_database.stats.port
    database = pterodactyl_server_database.stats.database_name
    username = pterodactyl_server_database.stats.username
  }
}

output "stats_password" {
  value     = pterodactyl_server_database.stats.password
  sensitive = true
}
