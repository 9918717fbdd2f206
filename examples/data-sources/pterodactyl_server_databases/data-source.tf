terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
  }
}

data "pterodactyl_server_databases" "all" {
  server_id = "1a7ce997"
  # include_passwords = true # needs the database.view_password permission
}

output "database_names" {
  value = data.pterodactyl_server_databases.all.databases[*].database_name
}
