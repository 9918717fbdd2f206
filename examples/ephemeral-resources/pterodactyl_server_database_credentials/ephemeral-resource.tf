# Needs Terraform 1.10 or later. The credentials are read from the panel each
# time Terraform runs and are never written to plan or state.

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

# Ephemeral values can configure providers and set write-only attributes
# (Terraform 1.11+); here, a MySQL provider that manages grants in the database.
provider "mysql" {
  endpoint = "${ephemeral.pterodactyl_server_database_credentials.game.host}:${ephemeral.pterodactyl_server_database_credentials.game.port}"
  username = ephemeral.pterodactyl_server_database_credentials.game.username
  password = ephemeral.pterodactyl_server_database_credentials.game.password
}

# A database made outside Terraform, by name (with or without its s<N>_ prefix).
ephemeral "pterodactyl_server_database_credentials" "legacy" {
  server_id = "1a7ce997"
  name      = "legacy"
}
