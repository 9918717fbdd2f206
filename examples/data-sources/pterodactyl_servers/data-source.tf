terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
  }
}

# Every server whose name contains "mc-", in any case, among the servers the key reaches.
data "pterodactyl_servers" "minecraft" {
  name = "mc-"
  # scope = "admin-all" # a root admin's client key: every server on the panel
}

# A database on each of them. Servers found later get theirs on the next apply.
resource "pterodactyl_server_database" "world" {
  for_each  = { for s in data.pterodactyl_servers.minecraft.servers : s.identifier => s }
  server_id = each.key
  name      = "world"
}

output "minecraft_servers" {
  value = { for s in data.pterodactyl_servers.minecraft.servers : s.identifier => s.name }
}
