# Every database host of a Pelican panel. Needs an administrator's key: an
# application key with the database_host permission set to Read, or a client
# key of a root admin.

terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
  }
}

data "pterodactyl_database_hosts" "all" {}

# The id of the host named eu-mysql-1, for database_host_id.
output "eu_host_id" {
  value = one([for h in data.pterodactyl_database_hosts.all.hosts : h.id if h.name == "eu-mysql-1"])
}
