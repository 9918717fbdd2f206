#!/usr/bin/env bash
# terraform-1.15.sh DIR: prints the path of Terraform 1.15.9 under DIR, unpacking it there from
# ../shared/tools/terraform-1.15.9 (beside the checkout) the first time. Exits 3, saying why on
# stderr, when that copy is not on this machine: Terraform 1.12 and later cannot be built from
# the Go module proxy, and nothing here downloads a release.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:?usage: terraform-1.15.sh DIR}
unpack="$root/../shared/tools/terraform-1.15.9/unpack"
if [ -x "$dest/terraform" ]; then
  echo "$dest/terraform"
  exit 0
fi
if [ ! -x "$unpack" ]; then
  echo "Terraform 1.15.9 is not on this machine: no $unpack." >&2
  exit 3
fi
"$unpack" "$dest"
