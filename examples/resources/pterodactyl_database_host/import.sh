# By the panel's id of the host (the pterodactyl_database_hosts data source
# lists them):
terraform import pterodactyl_database_host.eu 3
