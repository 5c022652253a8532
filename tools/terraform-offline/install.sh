#!/usr/bin/env bash
# Installs the offline stand-in for the hashicorp/aws provider into .tools/terraform-offline/:
#   schema-aws-<ver>.json   the provider's schema rebuilt from npm @cdktf/provider-aws (pinned)
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
PLUGIN="$OUT/plugins/registry.terraform.io/hashicorp/aws/$AWS_VERSION/linux_$ARCH/terraform-provider-aws_v$AWS_VERSION"

if [[ ! -f "$SCHEMA" ]]; then
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
  "$ROOT/.tools/tf-venv/bin/python" "$ROOT/tools/terraform-offline/gen_schema.py" "$work/package" "$SCHEMA"
fi

# The plugin is a small launcher; Terraform runs it with a clean environment of its own choosing,
# so every path is baked in. HOME points into .tools because the `tf` package caches its TLS
# certificate under ~/.cache.
mkdir -p "$(dirname "$PLUGIN")" "$OUT/home"
cat >"$PLUGIN.tmp" <<LAUNCHER
#!/bin/sh
export STUB_SCHEMA="$SCHEMA" HOME="$OUT/home"
exec "$ROOT/.tools/tf-venv/bin/python" "$ROOT/tools/terraform-offline/stub_provider.py" "\$@"
LAUNCHER
chmod +x "$PLUGIN.tmp"
mv "$PLUGIN.tmp" "$PLUGIN"
echo "$OUT/plugins"
