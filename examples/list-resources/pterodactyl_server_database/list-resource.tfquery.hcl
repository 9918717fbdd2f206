# Needs Terraform 1.14 or later. Put list blocks in a file ending in
# .tfquery.hcl, then run:
#   terraform query                                  # list the databases
#   terraform query -generate-config-out=imported.tf # import blocks and configuration
list "pterodactyl_server_database" "game" {
  provider = pterodactyl

  config {
    server_id = "1a7ce997" # or the server's UUID
  }
}

# The full resource objects, for generated configuration (never with passwords).
list "pterodactyl_server_database" "game_full" {
  provider         = pterodactyl
  include_resource = true

  config {
    server_id = "1a7ce997"
  }
}
