import {
  to = pterodactyl_server_database.minecraft
  id = "1a7ce997/minecraft"
}
