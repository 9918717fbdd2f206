import {
  to = pterodactyl_database_host.eu
  id = "3"
}
