# Needs Terraform 1.14 or later.

terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
  }
}

resource "pterodactyl_server_database" "game" {
  server_id = "1a7ce997"
  name      = "game"
}

action "pterodactyl_server_database_rotate_password" "game" {
  config {
    server_id = pterodactyl_server_database.game.server_id
    id        = pterodactyl_server_database.game.id
  }
}

# Rotate by hand, for example after a leak:
#   terraform apply -invoke=action.pterodactyl_server_database_rotate_password.game
#
# Or whenever another resource changes, with an action trigger:
resource "terraform_data" "release" {
  input = var.release

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.pterodactyl_server_database_rotate_password.game]
    }
  }
}

variable "release" {
  type = string
}
