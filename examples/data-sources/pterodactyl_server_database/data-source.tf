# A database made outside Terraform, looked up by name (with or without the
# s<N>_ prefix) or by id, to pass its credentials on.

terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
  }
}

data "pterodactyl_server_database" "minecraft" {
  server_id = "1a7ce997"
  name      = "minecraft"
}

output "minecraft_jdbc_url" {
  value = "jdbc:mysql://${data.pterodactyl_server_database.minecraft.host}:${data.pterodactyl_server_database.minecraft.port}/${data.pterodactyl_server_database.minecraft.database_name}"
}
