# By the panel's database id (a hashid on Pterodactyl, a number on Pelican):
terraform import pterodactyl_server_database.minecraft 1a7ce997/bEY4yAD5

# By name, with or without the panel's s<N>_ prefix:
terraform import pterodactyl_server_database.minecraft 1a7ce997/minecraft
terraform import pterodactyl_server_database.minecraft 1a7ce997/s12_minecraft
