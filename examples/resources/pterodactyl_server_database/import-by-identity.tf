# Terraform 1.12 or later: import by identity. database_id is the panel's id of
# the database (a hashid on Pterodactyl, a number on Pelican), never its name.
import {
  to = pterodactyl_server_database.minecraft
  identity = {
    server_id   = "1a7ce997"
    database_id = "bEY4yAD5"
  }
}
