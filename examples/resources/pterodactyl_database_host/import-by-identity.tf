# Terraform 1.12 or later: import by identity, the panel's id of the host.
import {
  to = pterodactyl_database_host.eu
  identity = {
    id = "3"
  }
}
