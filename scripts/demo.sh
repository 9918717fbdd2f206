#!/usr/bin/env bash
# The provider's first ten minutes: a local panel, a real `terraform apply`, a password
# rotation, a listing, and a clean destroy. Run it with `make demo`.
#
# It needs only Go, make and git: TERRAFORM names the CLI to use (the GNUmakefile finds one
# on PATH or builds 1.5.7). Nothing outside a temporary directory is touched, not even
# ~/.terraformrc: Terraform gets a private CLI configuration that installs this provider from
# a local mirror.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
terraform=${TERRAFORM:?set TERRAFORM to a terraform binary}
flavor=${FLAVOR:-pterodactyl}
version=0.1.0
work=$(mktemp -d "${TMPDIR:-/tmp}/pterodactyl-demo.XXXXXX")
panel_pid=

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }

cleanup() {
  local status=$?
  if [ -n "$panel_pid" ] && kill -0 "$panel_pid" 2>/dev/null; then
    step "Stopping the local panel"
    kill "$panel_pid" 2>/dev/null || true
    wait "$panel_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  if [ "$status" -ne 0 ]; then
    printf '\nThe demo failed (exit %s); the step above says where.\n' "$status" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
  "$terraform" -chdir="$work/config" output -raw game_password | sha256sum | cut -c1-12
}

step "Using $("$terraform" version 2>/dev/null | head -n 1) ($terraform)"

step "Building the provider into a local mirror"
mirror="$work/mirror/registry.terraform.io/panelform/pterodactyl/$version/$(go env GOOS)_$(go env GOARCH)"
mkdir -p "$mirror"
(cd "$root" && go build -ldflags "-X main.version=$version" -o "$mirror/terraform-provider-pterodactyl_v$version" .)
cat >"$work/terraform.rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/panelform/pterodactyl"]
  }
  direct {
    exclude = ["registry.terraform.io/panelform/pterodactyl"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$work/terraform.rc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

step "Starting a local $flavor panel with one game server"
(cd "$root" && go build -o "$work/localpanel" ./cmd/localpanel)
"$work/localpanel" -flavor "$flavor" -env-file "$work/panel.env" >"$work/panel.log" 2>&1 &
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
note "panel at $PTERODACTYL_PANEL_URL, server $LOCALPANEL_SERVER_ID (the API key stays in the environment)"

step "terraform init: installing the provider from the local mirror"
cp -R "$root/examples/quickstart" "$work/config"
tf init -input=false -no-color

step "terraform apply: creating two databases on server $LOCALPANEL_SERVER_ID"
tf apply -input=false -auto-approve -no-color
note "database names: $("$terraform" -chdir="$work/config" output -json database_names)"
note "usernames:      $("$terraform" -chdir="$work/config" output -json usernames)"
note "host:           $("$terraform" -chdir="$work/config" output -raw host)"
before=$(fingerprint)
note "game password:  (sensitive) fingerprint $before"

step "Rotating the game database's password by changing its trigger (rotation = 2)"
tf apply -input=false -auto-approve -no-color -var rotation=2
after=$(fingerprint)
note "game password:  fingerprint $before -> $after"
if [ "$before" = "$after" ]; then
  echo "the password did not change" >&2
  exit 1
fi

step "terraform plan: checking that nothing is left to change"
if "$terraform" -chdir="$work/config" plan -input=false -no-color -detailed-exitcode -var rotation=2 >"$work/plan.log" 2>&1; then
  note "no changes: state, configuration and panel agree"
else
  cat "$work/plan.log" >&2
  echo "the plan after the rotation is not empty" >&2
  exit 1
fi

step "Listing the server's databases through the pterodactyl_server_databases data source"
note "$("$terraform" -chdir="$work/config" output -json all_databases_on_server)"

step "terraform destroy: removing both databases"
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

printf '\nDone: created, rotated, listed and destroyed against a local %s panel.\n' "$flavor"
