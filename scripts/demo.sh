#!/usr/bin/env bash
# The provider's first ten minutes: a local panel, a real `terraform apply`, a password
# rotation, a listing, and a clean destroy. Run it with `make demo`.
#
# It needs only Go, make and git: TERRAFORM names the CLI to use, Terraform or OpenTofu (the
# GNUmakefile finds terraform on PATH or builds 1.5.7; `make demo-opentofu` builds OpenTofu).
# Nothing outside a temporary directory is touched, not even ~/.terraformrc: the CLI gets a
# private CLI configuration that installs this provider from a local mirror.
#
# Where MariaDB can be had (installed, or installable as root with apt-get), the panel makes
# its databases on a private MariaDB started by scripts/mariadb.sh, and the demo logs in with
# the credentials from Terraform state after each change. MARIADB=0 keeps the databases in the
# panel's memory; MARIADB=1 fails rather than fall back to that.
#
# ADMIN=1 shows admin mode instead, on a Pelican panel with an application key: Terraform
# creates a database host (pterodactyl_database_host) pointing at the private MariaDB, then a
# database on that host (database_host_id), from examples/admin. The demo logs in with the
# credentials from state, rotates, logs in again, and destroys. It needs MariaDB, and fails
# when it cannot have it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
terraform=${TERRAFORM:?set TERRAFORM to a terraform binary}
flavor=${FLAVOR:-pterodactyl}
mariadb_mode=${MARIADB:-auto}
admin=
case ${ADMIN:-} in
  '' | 0 | no | false) ;;
  1 | yes | true)
    admin=1
    # Only Pelican's application API manages database hosts.
    if [ "$flavor" != pelican ] && [ -n "${FLAVOR:-}" ]; then
      echo "ADMIN=1 runs on Pelican only (Pterodactyl has no API for database hosts): drop FLAVOR=$FLAVOR" >&2
      exit 2
    fi
    flavor=pelican
    case $mariadb_mode in
      0 | no | false)
        echo "ADMIN=1 needs MariaDB: the panel logs in to the database host it is given, so it must be a real one. Drop MARIADB=$mariadb_mode" >&2
        exit 2
        ;;
    esac
    mariadb_mode=1
    ;;
  *) echo "ADMIN=$ADMIN: use ADMIN=1 for admin mode, or leave it unset" >&2; exit 2 ;;
esac
version=0.1.0
work=$(mktemp -d "${TMPDIR:-/tmp}/pterodactyl-demo.XXXXXX")
panel_pid=
mariadb_dir=

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }

cleanup() {
  local status=$?
  # When the reader went away (make demo | head), writes fail from here on; the stops must not.
  trap '' PIPE
  set +e
  if [ -n "$panel_pid" ] && kill -0 "$panel_pid" 2>/dev/null; then
    step "Stopping the local panel"
    kill "$panel_pid" 2>/dev/null || true
    wait "$panel_pid" 2>/dev/null || true
  fi
  if [ -n "$mariadb_dir" ] && [ -e "$mariadb_dir/mariadbd.pid" ]; then
    step "Stopping MariaDB"
    "$root/scripts/mariadb.sh" stop "$mariadb_dir" 2>&1 | sed 's/^/    /' || true
  fi
  rm -rf "$work"
  if [ "$status" -ne 0 ]; then
    printf '\nThe demo failed (exit %s); the step above says where.\n' "$status" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 141' PIPE

# tf runs terraform in the working copy (or in TF_DIR), quietly unless it fails.
tf() {
  local log="$work/terraform.log"
  if ! "$terraform" -chdir="${TF_DIR:-$work/config}" "$@" >"$log" 2>&1; then
    cat "$log" >&2
    return 1
  fi
}

# fingerprint prints a short hash of the game database's password: enough to see it change,
# nothing that reveals it.
fingerprint() {
  game_password | sha256sum | cut -c1-12
}

# output_of prints one key of a map output of the quickstart, such as usernames.game.
output_of() {
  "$terraform" -chdir="$work/config" output -json "$1" | sed -n 's/.*"'"$2"'":"\([^"]*\)".*/\1/p'
}

# game_output prints the game database's username, database_name or address (host:port):
# from the quickstart's outputs, or from examples/admin's, which has one database.
game_output() {
  if [ -n "$admin" ]; then
    "$terraform" -chdir="$work/config" output -raw "$1"
    return
  fi
  case $1 in
    username) output_of usernames game ;;
    database_name) output_of database_names game ;;
    address) "$terraform" -chdir="$work/config" output -raw host ;;
  esac
}

# sql logs in to the game database as the user in state, with the password given in $1 (read
# from state by the caller), and runs $2. The password goes to the client through an option
# file on a pipe: never on a command line, never on disk, never printed.
sql() {
  local password=$1 query=$2 user db address
  user=$(game_output username)
  db=$(game_output database_name)
  address=$(game_output address)
  "$mariadb_client" --defaults-file=<(printf '[client]\nuser=%s\npassword="%s"\nhost=%s\nport=%s\n' \
    "$user" "$password" "${address%:*}" "${address##*:}") --protocol=TCP --batch --skip-column-names \
    --connect-timeout=10 -e "$query" "$db" 2>&1
}

# login_with_state logs in with the username and password in state and shows who the server
# says we are, plus the table the demo keeps in the game database.
login_with_state() {
  local out
  if ! out=$(sql "$(game_password)" "$1 SELECT CONCAT('logged in as ', CURRENT_USER(), ' to ', DATABASE(), ': ', COUNT(*), ' score row(s)') FROM scores"); then
    printf '%s\n' "$out" >&2
    echo "the credentials in Terraform state do not log in to MariaDB" >&2
    exit 1
  fi
  note "login with the stored credentials: $out"
}

# refused checks that an old password no longer logs in.
refused() {
  local out
  if out=$(sql "$1" "SELECT 1"); then
    echo "the password rotated away still logs in to MariaDB" >&2
    exit 1
  fi
  case $out in
    *"ERROR 1045"*) note "login with the previous password: refused (${out%% (using*})" ;;
    *) printf '%s\n' "$out" >&2; echo "the previous password failed for another reason than access denied" >&2; exit 1 ;;
  esac
}

game_password() {
  if [ -n "$admin" ]; then
    "$terraform" -chdir="$work/config" output -raw password
  else
    "$terraform" -chdir="$work/config" output -raw game_password
  fi
}

# admin_demo is the ADMIN=1 demo, from `terraform init` on: examples/admin, with the panel's
# application key, against the private MariaDB.
# rotated BEFORE AFTER: the password's fingerprints before and after a rotation differ.
rotated() {
  note "game password:  fingerprint $1 -> $2"
  if [ "$1" = "$2" ]; then
    echo "the password did not change" >&2
    exit 1
  fi
}

# nothing_to_change: the plan after the rotation is empty.
nothing_to_change() {
  step "$cli plan: checking that nothing is left to change"
  if "$terraform" -chdir="$work/config" plan -input=false -no-color -detailed-exitcode -var rotation=2 >"$work/plan.log" 2>&1; then
    note "no changes: state, configuration and panel agree"
  else
    cat "$work/plan.log" >&2
    echo "the plan after the rotation is not empty" >&2
    exit 1
  fi
}

admin_demo() {
  local write_only=false host_id login state_note before after left hosts_left on_host
  # Write-only arguments came with Terraform 1.11 (OpenTofu 1.11 too); before, the sensitive
  # password attribute carries the host's password, and state keeps it.
  if [[ $cli_version =~ \ v([0-9]+)\.([0-9]+)\. ]] &&
    { [ "${BASH_REMATCH[1]}" -gt 1 ] || { [ "${BASH_REMATCH[1]}" -eq 1 ] && [ "${BASH_REMATCH[2]}" -ge 11 ]; }; }; then
    write_only=true
  fi
  # The host's account is the MariaDB admin that scripts/mariadb.sh made, which may create
  # databases and users and grant them (ALL PRIVILEGES ON *.* WITH GRANT OPTION), as the
  # account of a panel's database host must. Its password goes to Terraform through the
  # environment: never on a command line, never printed.
  TF_VAR_host_address=$(sed -n 's/^MARIADB_HOST=//p' "$mariadb_dir/env")
  TF_VAR_host_port=$(sed -n 's/^MARIADB_PORT=//p' "$mariadb_dir/env")
  TF_VAR_host_username=$(sed -n 's/^MARIADB_ADMIN_USER=//p' "$mariadb_dir/env")
  TF_VAR_host_password=$(sed -n "s/^PTERODACTYL_TEST_MARIADB_DSN='[^:]*:\(.*\)@tcp(.*/\1/p" "$mariadb_dir/env")
  TF_VAR_server_id=$LOCALPANEL_SERVER_ID
  export TF_VAR_host_address TF_VAR_host_port TF_VAR_host_username TF_VAR_host_password TF_VAR_server_id
  [ -n "$TF_VAR_host_password" ] || { echo "no admin password in $mariadb_dir/env" >&2; exit 1; }

  step "$cli init: installing the provider from the local mirror"
  cp -R "$root/examples/admin" "$work/config"
  if [ "$write_only" != true ]; then
    # Terraform before 1.11 refuses any value in a write-only argument, even null behind a
    # condition: an override file moves the password to the sensitive attribute instead.
    cat >"$work/config/password_override.tf" <<'TF'
resource "pterodactyl_database_host" "mariadb" {
  password_wo         = null
  password_wo_version = null
  password            = var.host_password
}
TF
  fi
  tf init -input=false -no-color

  step "$cli apply: a database host on MariaDB ($TF_VAR_host_username@$TF_VAR_host_address:$TF_VAR_host_port), and a database on it for server $LOCALPANEL_SERVER_ID"
  if [ "$write_only" = true ]; then
    note "the host's password goes in password_wo, write-only ($cli_version): never stored in state"
  else
    note "the host's password goes in the sensitive password attribute ($cli_version has no write-only arguments; password_override.tf): state keeps it"
  fi
  tf apply -input=false -auto-approve -no-color
  host_id=$("$terraform" -chdir="$work/config" output -raw database_host_id)
  note "database host:  id $host_id"
  # The panel logs in to a host before it saves it; the local panel logs how that went.
  login=$(grep "database host login $TF_VAR_host_username@" "$work/panel.log" | tail -n 1)
  case $login in
    *" works") note "the panel's connection test before saving it: ${login#localpanel: }" ;;
    *) cat "$work/panel.log" >&2; echo "the panel saved the database host without logging in to MariaDB" >&2; exit 1 ;;
  esac
  note "all hosts:      $("$terraform" -chdir="$work/config" output -json database_hosts) (the pterodactyl_database_hosts data source)"
  note "database name:  $(game_output database_name), on host $host_id through the application API"
  note "username:       $(game_output username)"
  note "address:        $(game_output address)"
  if grep -qF -- "$TF_VAR_host_password" "$work/config/terraform.tfstate"; then
    state_note="in state (sensitive)"
  else
    state_note="not in state"
  fi
  if [ "$write_only" = true ] && [ "$state_note" != "not in state" ]; then
    echo "the host's write-only password is in Terraform state" >&2
    exit 1
  fi
  note "host password:  $state_note"
  before=$(fingerprint)
  note "game password:  (sensitive) fingerprint $before"

  step "Logging in to MariaDB as the game database's user, with the password from Terraform state"
  login_with_state "CREATE TABLE scores (player VARCHAR(32) PRIMARY KEY, points INT); INSERT INTO scores VALUES ('steve', 42);"
  previous_password=$(game_password)

  step "Rotating the game database's password by changing its trigger (rotation = 2)"
  tf apply -input=false -auto-approve -no-color -var rotation=2
  after=$(fingerprint)
  rotated "$before" "$after"
  step "Logging in to MariaDB again after the rotation"
  refused "$previous_password"
  login_with_state "INSERT INTO scores VALUES ('alex', 7);"
  unset previous_password

  nothing_to_change

  step "$cli destroy: removing the database, then its host"
  tf destroy -input=false -auto-approve -no-color -var rotation=2
  mkdir -p "$work/check"
  cat >"$work/check/main.tf" <<TF
terraform {
  required_providers {
    pterodactyl = { source = "panelform/pterodactyl" }
  }
}
data "pterodactyl_server_databases" "left" { server_id = "$LOCALPANEL_SERVER_ID" }
data "pterodactyl_database_hosts" "left" {}
output "left" { value = length(data.pterodactyl_server_databases.left.databases) }
output "hosts_left" { value = length([for h in data.pterodactyl_database_hosts.left.hosts : h if h.id == "$host_id"]) }
TF
  TF_DIR="$work/check" tf init -input=false -no-color
  TF_DIR="$work/check" tf apply -input=false -auto-approve -no-color
  left=$("$terraform" -chdir="$work/check" output -raw left)
  hosts_left=$("$terraform" -chdir="$work/check" output -raw hosts_left)
  note "databases left on the server: $left; database host $host_id left on the panel: $hosts_left"
  [ "$left" -eq 0 ] && [ "$hosts_left" -eq 0 ]
  on_host=$("$mariadb_client" --no-defaults --socket="$mariadb_dir/mariadbd.sock" --user="$(id -un)" --batch --skip-column-names -e \
    "SELECT CONCAT((SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 's12\\_%'), ' databases and ',
            (SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'u12\\_%'), ' users')")
  note "left on MariaDB: $on_host"
  [ "$on_host" = "0 databases and 0 users" ]

  printf '\nDone: created a database host and a database on it through the application API of a local Pelican panel, logged in to MariaDB with the credentials in state before and after a rotation, and destroyed both.\n'
}

# OpenTofu prints CLI configuration warnings on stdout, before its version line.
cli_version=$("$terraform" version 2>/dev/null | grep -E '^(Terraform|OpenTofu) v' | head -n 1 || true)
# The steps name the CLI the way its user types it.
case $cli_version in
  OpenTofu*) cli=tofu ;;
  *) cli=terraform ;;
esac
step "Using $cli_version ($terraform)"

case $mariadb_mode in
  0 | no | false) note "MARIADB=$mariadb_mode: the panel keeps its databases in memory; no login is tried" ;;
  *)
    if [ -n "$admin" ]; then
      step "Starting a private MariaDB for the database host Terraform will create (ADMIN=1 needs it)"
    else
      step "Starting a private MariaDB as the panel's database host (MARIADB=0 skips it)"
    fi
    mariadb_dir=$work/mariadb
    rc=0
    began=$SECONDS
    # Only the install lines are shown as they come: on a fresh machine apt-get takes a while.
    "$root/scripts/mariadb.sh" start "$mariadb_dir" 2>&1 | tee "$work/mariadb.log" |
      { grep --line-buffered -E '^(Installing|Installed) ' || true; } | sed 's/^/    /' || rc=$?
    if [ "$rc" -eq 0 ]; then
      note "$(grep '^MariaDB .* on 127' "$work/mariadb.log") (ready in $((SECONDS - began))s)"
      mariadb_client=$(command -v mariadb || echo /usr/bin/mariadb)
    elif [ "$rc" -eq 3 ] && [ "$mariadb_mode" != 1 ]; then
      # The install lines were shown as they came.
      grep -v -E '^(Installing|Installed) ' "$work/mariadb.log" | sed 's/^/    /' || true
      note "MariaDB cannot be installed here: the databases will live in the panel's memory only"
      mariadb_dir=
    else
      cat "$work/mariadb.log" >&2
      if [ "$rc" -eq 3 ] && [ -n "$admin" ]; then
        echo "ADMIN=1 needs MariaDB, which is not installed and cannot be installed here (above: why). Install mariadb-server and mariadb-client, or run as root where apt-get can." >&2
      else
        echo "MariaDB did not start (scripts/mariadb.sh exit $rc)" >&2
      fi
      exit 1
    fi
    ;;
esac

step "Building the provider into a local mirror"
# The configuration says source = "panelform/pterodactyl": Terraform reads that as
# registry.terraform.io/panelform/pterodactyl, OpenTofu as registry.opentofu.org/panelform/pterodactyl.
# The mirror holds the same binary under both, so either CLI installs it and never asks a registry.
platform="$(go env GOOS)_$(go env GOARCH)"
binary="terraform-provider-pterodactyl_v$version"
hosts=(registry.terraform.io registry.opentofu.org)
for host in "${hosts[@]}"; do
  mkdir -p "$work/mirror/$host/panelform/pterodactyl/$version/$platform"
done
first="$work/mirror/${hosts[0]}/panelform/pterodactyl/$version/$platform/$binary"
(cd "$root" && go build -ldflags "-X main.version=$version" -o "$first" .)
for host in "${hosts[@]:1}"; do
  cp "$first" "$work/mirror/$host/panelform/pterodactyl/$version/$platform/$binary"
done
addresses=$(printf '"%s/panelform/pterodactyl", ' "${hosts[@]}")
addresses="[${addresses%, }]"
cat >"$work/terraform.rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = $addresses
  }
  direct {
    exclude = $addresses
  }
}
RC
export TF_CLI_CONFIG_FILE="$work/terraform.rc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

step "Starting a local $flavor panel with one game server"
(cd "$root" && go build -o "$work/localpanel" ./cmd/localpanel)
dsn=
if [ -n "$mariadb_dir" ]; then
  dsn=$(sed -n "s/^PTERODACTYL_TEST_MARIADB_DSN='\(.*\)'\$/\1/p" "$mariadb_dir/env")
fi
# The admin DSN goes through the environment, not the command line, to stay out of `ps`.
LOCALPANEL_DATABASE_DSN=$dsn "$work/localpanel" -flavor "$flavor" -env-file "$work/panel.env" >"$work/panel.log" 2>&1 &
panel_pid=$!
for _ in $(seq 50); do
  [ -s "$work/panel.env" ] && break
  kill -0 "$panel_pid" 2>/dev/null || { cat "$work/panel.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/panel.env" ] || { echo "the local panel did not start" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
. "$work/panel.env"
set +a
if [ -n "$admin" ]; then
  [ -n "${LOCALPANEL_APPLICATION_KEY:-}" ] || { echo "the local panel wrote no LOCALPANEL_APPLICATION_KEY to $work/panel.env" >&2; exit 1; }
  PTERODACTYL_API_KEY=$LOCALPANEL_APPLICATION_KEY
  note "panel at $PTERODACTYL_PANEL_URL, server $LOCALPANEL_SERVER_ID; the provider uses the panel's application key (papp_…, in the environment)"
else
  note "panel at $PTERODACTYL_PANEL_URL, server $LOCALPANEL_SERVER_ID (the API key stays in the environment)"
fi
if [ -n "$mariadb_dir" ]; then
  note "its databases and users are made on MariaDB at 127.0.0.1:$(sed -n 's/^MARIADB_PORT=//p' "$mariadb_dir/env")"
fi

if [ -n "$admin" ]; then
  admin_demo
  exit 0
fi

step "$cli init: installing the provider from the local mirror"
cp -R "$root/examples/quickstart" "$work/config"
tf init -input=false -no-color

step "$cli apply: creating two databases on server $LOCALPANEL_SERVER_ID"
tf apply -input=false -auto-approve -no-color
note "database names: $("$terraform" -chdir="$work/config" output -json database_names)"
note "usernames:      $("$terraform" -chdir="$work/config" output -json usernames)"
note "host:           $("$terraform" -chdir="$work/config" output -raw host)"
note "by name:        $("$terraform" -chdir="$work/config" output -raw server_found_by_name) (the pterodactyl_server data source placed the stats database)"
before=$(fingerprint)
note "game password:  (sensitive) fingerprint $before"
if [ -n "$mariadb_dir" ]; then
  step "Logging in to MariaDB as the game database's user, with the password from Terraform state"
  login_with_state "CREATE TABLE scores (player VARCHAR(32) PRIMARY KEY, points INT); INSERT INTO scores VALUES ('steve', 42);"
  previous_password=$(game_password)
fi

step "Rotating the game database's password by changing its trigger (rotation = 2)"
tf apply -input=false -auto-approve -no-color -var rotation=2
after=$(fingerprint)
rotated "$before" "$after"
if [ -n "$mariadb_dir" ]; then
  step "Logging in to MariaDB again after the rotation"
  refused "$previous_password"
  login_with_state "INSERT INTO scores VALUES ('alex', 7);"
  unset previous_password
fi

nothing_to_change

step "Listing the server's databases through the pterodactyl_server_databases data source"
note "$("$terraform" -chdir="$work/config" output -json all_databases_on_server)"

step "$cli destroy: removing both databases"
tf destroy -input=false -auto-approve -no-color -var rotation=2
mkdir -p "$work/check"
cat >"$work/check/main.tf" <<TF
terraform {
  required_providers {
    pterodactyl = { source = "panelform/pterodactyl" }
  }
}
data "pterodactyl_server_databases" "left" { server_id = "$LOCALPANEL_SERVER_ID" }
output "left" { value = length(data.pterodactyl_server_databases.left.databases) }
TF
TF_DIR="$work/check" tf init -input=false -no-color
TF_DIR="$work/check" tf apply -input=false -auto-approve -no-color
left=$("$terraform" -chdir="$work/check" output -raw left)
note "databases left on the server: $left"
[ "$left" -eq 0 ]
if [ -n "$mariadb_dir" ]; then
  # The admin's socket login is the script's own; the panel's databases all start with s12_.
  on_host=$("$mariadb_client" --no-defaults --socket="$mariadb_dir/mariadbd.sock" --user="$(id -un)" --batch --skip-column-names -e \
    "SELECT CONCAT((SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 's12\\_%'), ' databases and ',
            (SELECT COUNT(*) FROM mysql.user WHERE User LIKE 'u12\\_%'), ' users')")
  note "left on MariaDB: $on_host"
  [ "$on_host" = "0 databases and 0 users" ]
fi

if [ -n "$mariadb_dir" ]; then
  printf '\nDone: created, rotated, listed and destroyed against a local %s panel, and the credentials in state logged in to MariaDB each time.\n' "$flavor"
else
  printf '\nDone: created, rotated, listed and destroyed against a local %s panel.\n' "$flavor"
fi
