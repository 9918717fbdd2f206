terraform {
  required_providers {
    pterodactyl = {
      source = "panelform/pterodactyl"
    }
    kubernetes = {
      source = "hashicorp/kubernetes"
    }
    local = {
      source = "hashicorp/local"
    }
  }
}

resource "pterodactyl_server_database" "stats" {
  server_id = "1a7ce997"
  name      = "stats"
}

# An application reads DATABASE_URL, a mysql:// URL with the password percent-encoded.
resource "kubernetes_secret" "stats_db" {
  metadata {
    name = "stats-db"
  }
  data = {
    DATABASE_URL = pterodactyl_server_database.stats.connection_string
  }
}

# A game server's plugin wants the parts one by one, in its own file format.
resource "local_sensitive_file" "plugin_config" {
  filename = "${path.module}/plugins/stats/config.yml"
  content = templatefile("${path.module}/config.yml.tftpl", {
    host     = pterodactyl_server_database.stats.host
    port     = pterodactyl_server_database.stats.port
    database = pterodactyl_server_database.stats.database_name
    user     = pterodactyl_server_database.stats.username
    password = pterodactyl_server_database.stats.password
  })
}
