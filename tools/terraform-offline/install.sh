#!/usr/bin/env bash
# Installs the offline stand-in for the hashicorp/aws provider into .tools/terraform-offline/:
#   schema-aws-<ver>.json   the provider's schema rebuilt from npm @cdktf/provider-aws (pinned)
#   schema-aws-<ver>.json.pb   what the stand-in serves: the provider block and the types used here
#   plugins/                a -plugin-dir for `terraform init` holding the stand-in as provider <ver>
# Idempotent and cached; needs .tools/tf-venv (scripts/bootstrap.sh terraform) and npm.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# @cdktf/provider-aws 21.22.1 is generated from hashicorp/aws 6.25.0 (its package.json says so).
CDKTF_VERSION=21.22.1
AWS_VERSION=6.25.0
CDKTF_SHA256=d1446ab6ac6526c6fab4b28a5ebefdd90c0ce56203949925d35a4d286c05cbbf
OUT="$ROOT/.tools/terraform-offline"
SCHEMA="$OUT/schema-aws-$AWS_VERSION.json"
case "$(uname -m)" in x86_64) ARCH=amd64 ;; aarch64 | arm64) ARCH=arm64 ;; *) ARCH="$(uname -m)" ;; esac
# The provider's fully qualified address (host/namespace/type) is what the plugin directory layout is
# keyed by; ask Terraform for it instead of spelling out the registry host here.
address_of() {
  local dir
  dir="$(mktemp -d)"
  printf 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n' >"$dir/main.tf"
  (cd "$dir" && CHECKPOINT_DISABLE=1 "$ROOT/.tools/bin/terraform" providers -no-color) |
    sed -nE 's/.*provider\[([^]]+\/hashicorp\/aws)\].*/\1/p' | head -n 1
  rm -rf "$dir"
}
ADDRESS="$(address_of)"
[[ -n "$ADDRESS" ]] || { echo "terraform-offline: could not read the aws provider's address from terraform providers" >&2; exit 1; }
PLUGIN="$OUT/plugins/$ADDRESS/$AWS_VERSION/linux_$ARCH/terraform-provider-aws_v$AWS_VERSION"

if [[ ! -f "$SCHEMA" || "$ROOT/tools/terraform-offline/gen_schema.py" -nt "$SCHEMA" ]]; then
  cache="$ROOT/.tools/cache"
  tgz="$cache/cdktf-provider-aws-$CDKTF_VERSION.tgz"
  mkdir -p "$cache" "$OUT"
  if [[ ! -f "$tgz" ]]; then
    echo "terraform-offline: fetching @cdktf/provider-aws@$CDKTF_VERSION (npm pack, ~37 MB)" >&2
    (cd "$cache" && npm pack --silent "@cdktf/provider-aws@$CDKTF_VERSION" >/dev/null)
  fi
  echo "$CDKTF_SHA256  $tgz" | sha256sum -c --quiet -
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # Only the generated bindings are needed (the rest of the 230 MB is docs and typings).
  tar xzf "$tgz" -C "$work" --wildcards 'package/lib/*/index.js' 'package/lib/*/index.d.ts' 'package/package.json'
  grep -q "\"version\": \"$AWS_VERSION\"" "$work/package/package.json" ||
    { echo "terraform-offline: package does not declare aws provider $AWS_VERSION" >&2; exit 1; }
  "$ROOT/.tools/tf-venv/bin/python" "$ROOT/tools/terraform-offline/gen_schema.py" "$work/package" "$SCHEMA.new.$$"
  rm -f "$SCHEMA.pb"
  mv "$SCHEMA.new.$$" "$SCHEMA"
fi
# The served schema, pre-built as protobuf and limited to the aws_* types the project's .tf files
# use (see stub_provider.py); rebuilt when that list or the stand-in changes.
types="$(cd "$ROOT" && grep -rhoE '^(resource|data) "aws_[a-z0-9_]+"' --include='*.tf' terraform local |
  sed -E 's/^[a-z]+ "(.*)"$/\1/' | sort -u | tr '\n' ' ')"
if [[ ! -f "$SCHEMA.pb" || "$ROOT/tools/terraform-offline/stub_provider.py" -nt "$SCHEMA.pb" ]] ||
  [[ "$(cat "$SCHEMA.pb.types" 2>/dev/null)" != "$types" ]]; then
  # shellcheck disable=SC2086 # one argument per type
  STUB_SCHEMA="$SCHEMA" "$ROOT/.tools/tf-venv/bin/python" "$ROOT/tools/terraform-offline/stub_provider.py" --compile $types
  echo "$types" >"$SCHEMA.pb.types"
fi

# The plugin is a small launcher; Terraform runs it with a clean environment of its own choosing,
# so every path is baked in. HOME points into .tools because the `tf` package caches its TLS
# certificate under ~/.cache.
mkdir -p "$(dirname "$PLUGIN")" "$OUT/home"
cat >"$PLUGIN.tmp.$$" <<LAUNCHER
#!/bin/sh
export STUB_SCHEMA="$SCHEMA" STUB_ADDRESS="$ADDRESS" HOME="$OUT/home"
exec "$ROOT/.tools/tf-venv/bin/python" "$ROOT/tools/terraform-offline/stub_provider.py" "\$@"
LAUNCHER
chmod +x "$PLUGIN.tmp.$$"
mv "$PLUGIN.tmp.$$" "$PLUGIN"
echo "$OUT/plugins"
