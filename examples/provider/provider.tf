terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
  }
}

variable "pterodactyl_api_key" {
  description = "A client API key (Account > API Credentials on the panel)."
  type        = string
  sensitive   = true
}

provider "pterodactyl" {
  panel_url = "https://panel.example.com" # or PTERODACTYL_PANEL_URL
  api_key   = var.pterodactyl_api_key     # or PTERODACTYL_API_KEY

  # Optional knobs, shown with their defaults.
  request_timeout = "30s"
  max_retries     = 4
}
