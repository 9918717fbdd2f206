terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
  }
}

# Exactly one of identifier, name or external_id.
data "pterodactyl_server" "lobby" {
  name = "lobby"
}

data "pterodactyl_server" "billing" {
  external_id = "billing-7" # exact; an application key reads external ids back
}

resource "pterodactyl_server_database" "lobby" {
  server_id = data.pterodactyl_server.lobby.identifier
  name      = "lobby"
}
