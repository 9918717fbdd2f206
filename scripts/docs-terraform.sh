#!/usr/bin/env bash
# docs-terraform.sh TERRAFORM: prints the path of TERRAFORM when it can render docs/, that is
# when it is Terraform 1.14 or later, which exports every schema the docs show: resource
# identity (1.12), list resources and actions (1.14). Otherwise it says why on stderr and exits
# 3; `make generate` then builds Terraform 1.16.4 instead. Docs rendered by an older Terraform,
# or by OpenTofu, would lack those sections.
set -euo pipefail
tf=${1:?usage: docs-terraform.sh TERRAFORM}
if ! path=$(command -v "$tf" 2>/dev/null) || [ ! -x "$path" ]; then
  echo "no Terraform at '$tf' to render docs/ with" >&2
  exit 3
fi
first=$("$path" version 2>/dev/null | head -n 1)
if [[ $first =~ ^Terraform\ v([0-9]+)\.([0-9]+)\. ]] &&
  { [ "${BASH_REMATCH[1]}" -gt 1 ] || [ "${BASH_REMATCH[2]}" -ge 14 ]; }; then
  realpath "$path"
  exit 0
fi
echo "'$first' ($path) cannot render docs/: the identity, action and list resource schemas need Terraform 1.14 or later" >&2
exit 3
