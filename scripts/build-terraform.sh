#!/usr/bin/env bash
# build-terraform.sh VERSION OUT: builds Terraform VERSION (1.12 or later) from the Go module proxy
# into the file OUT, as a release binary that reports VERSION.
#
# Terraform's go.mod replaces nine remote-state backends (azure, consul, cos, gcs, kubernetes,
# oss, pg, s3, oci) and internal/legacy with nested directories, and a module zip leaves nested
# modules out, so the downloaded source does not build as it is. A writable copy does, once its
# go.mod forgets those modules and internal/backend/init/init.go stops importing and registering
# the nine backends. What stays (local, http, inmem, remote, cloud) is all a provider's tests use.
# Every patch is checked: a version whose files no longer match fails here, saying which.
set -euo pipefail
version=${1:?usage: build-terraform.sh VERSION OUT}
out=${2:?usage: build-terraform.sh VERSION OUT}
backends='azure|consul|cos|gcs|kubernetes|oss|pg|s3|oci'

src=$(go mod download -json "github.com/hashicorp/terraform@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$src" ] && [ -d "$src" ] || { echo "go mod download did not give the source of Terraform $version" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/.build-terraform.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -R "$src/." "$work/"
chmod -R u+w "$work"
cd "$work"

# go.mod: the require and replace lines of the nested modules.
nested="github\.com/hashicorp/terraform/internal/(backend/remote-state/($backends)|legacy)[[:space:]]"
grep -Eq "$nested" go.mod || { echo "Terraform $version: go.mod names none of the nested modules this script drops; check build-terraform.sh against it" >&2; exit 1; }
grep -Ev "$nested" go.mod >go.mod.patched && mv go.mod.patched go.mod

# init.go: the imports of the nine backends and the lines that register them.
init=internal/backend/init/init.go
imports="^[[:space:]]*backend[A-Za-z0-9]+ \"github\.com/hashicorp/terraform/internal/backend/remote-state/($backends)\"$"
uses=$(grep -Eo "$imports" "$init" | awk '{ print $1 }' | paste -sd '|' -)
[ -n "$uses" ] || { echo "Terraform $version: $init imports none of the backends this script drops" >&2; exit 1; }
grep -Ev "$imports" "$init" | grep -Ev "[[:space:]]($uses)\.New\(" >"$init.patched" && mv "$init.patched" "$init"
if grep -Eq "remote-state/($backends)\"|[^A-Za-z]($uses)\." "$init"; then
  echo "Terraform $version: $init still uses a dropped backend after patching" >&2
  exit 1
fi

echo "building Terraform $version from $src (without the $backends backends) into $out"
go build -trimpath -ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" -o "$out.partial" .
got=$("$out.partial" version | head -n 1)
[ "$got" = "Terraform v$version" ] || { echo "the build reports '$got', not 'Terraform v$version'" >&2; exit 1; }
mv "$out.partial" "$out"
