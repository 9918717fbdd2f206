# The password stays out of state: Terraform creates and rotates it, and reads
# it only where it is used, through the ephemeral resource (Terraform 1.10+).

terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
    time = {
      source = "hashicorp/time"
    }
    aws = {
      source = "hashicorp/aws"
    }
  }
}

resource "time_rotating" "monthly" {
  rotation_days = 30
}

resource "pterodactyl_server_database" "game" {
  server_id      = "1a7ce997"
  name           = "game"
  store_password = false

  rotate_when_changed = {
    schedule = time_rotating.monthly.id
  }
}

ephemeral "pterodactyl_server_database_credentials" "game" {
  server_id = pterodactyl_server_database.game.server_id
  id        = pterodactyl_server_database.game.id
}

# For example into AWS Secrets Manager through a write-only argument
# (Terraform 1.11+), which is sent to the API and never stored. Its version
# follows the rotation schedule, so each new password is written once.
resource "aws_secretsmanager_secret_version" "game_db" {
  secret_id                = "game-db"
  secret_string_wo         = ephemeral.pterodactyl_server_database_credentials.game.connection_uri
  secret_string_wo_version = time_rotating.monthly.unix
}
