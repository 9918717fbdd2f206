#!/usr/bin/env bash
# docs-terraform.sh TERRAFORM DIR: prints the Terraform that renders docs/. Terraform 1.14 or
# later exports every schema the docs show: resource identity (1.12), list resources and
# actions (1.14). TERRAFORM is used when it is that new; else Terraform 1.15.9 from DIR
# (scripts/terraform-1.15.sh). Exits 3, saying why, when neither is at hand: docs rendered by an
# older Terraform would lack those sections.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tf=${1:?usage: docs-terraform.sh TERRAFORM DIR}
dir=${2:?usage: docs-terraform.sh TERRAFORM DIR}
if [ -x "$tf" ] || command -v "$tf" >/dev/null 2>&1; then
  v=$("$tf" version 2>/dev/null | sed -n '1s/^Terraform v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
  if [ -n "$v" ] && { read -r major minor <<<"$v"; [ "$major" -gt 1 ] || [ "$minor" -ge 14 ]; }; then
    realpath "$(command -v "$tf")"
    exit 0
  fi
fi
if ! "$here/terraform-1.15.sh" "$dir"; then
  echo "docs/ needs Terraform 1.14 or later to render the identity, action and list resource schemas." >&2
  echo "Run with TERRAFORM=/path/to/terraform (1.14+), or keep ../shared/tools/terraform-1.15.9 beside the checkout." >&2
  exit 3
fi
