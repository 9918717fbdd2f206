# Needs Terraform 1.10 or later. The credentials are read from the panel each
# time Terraform runs and are never written to plan or state.

terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
    aws = {
      source = "hashicorp/aws"
    }
  }
}

# A database whose password Terraform does not keep in state.
resource "pterodactyl_server_database" "game" {
  server_id      = "1a7ce997"
  name           = "game"
  store_password = false
}

ephemeral "pterodactyl_server_database_credentials" "game" {
  server_id = pterodactyl_server_database.game.server_id
  id        = pterodactyl_server_database.game.id
}

# Ephemeral values can set write-only arguments (Terraform 1.11+), which are
# never stored either: here, the credentials go to AWS Secrets Manager, where
# the game server's deployment reads them.
resource "aws_secretsmanager_secret" "game_db" {
  name = "game/database"
}

resource "aws_secretsmanager_secret_version" "game_db" {
  secret_id = aws_secretsmanager_secret.game_db.id
  secret_string_wo = jsonencode({
    host     = ephemeral.pterodactyl_server_database_credentials.game.host
    port     = ephemeral.pterodactyl_server_database_credentials.game.port
    database = ephemeral.pterodactyl_server_database_credentials.game.database_name
    username = ephemeral.pterodactyl_server_database_credentials.game.username
    password = ephemeral.pterodactyl_server_database_credentials.game.password
  })
  # A write-only value is sent when this changes: bump it after a rotation.
  secret_string_wo_version = 1
}

# A database made outside Terraform, by name (with or without its s<N>_ prefix).
ephemeral "pterodactyl_server_database_credentials" "legacy" {
  server_id = "1a7ce997"
  name      = "legacy"
}
