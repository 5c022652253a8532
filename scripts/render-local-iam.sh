#!/usr/bin/env bash
# Renders the local two-account IAM scenario (local/terraform) with real Terraform and writes
# `terraform output -json` to OUT (default .local/rendered.json). No provider, no AWS call: the
# documents are the ones the modules would deploy. Safe to run concurrently and repeatedly
# (each run uses its own scratch data dir and state; OUT is replaced atomically).
# usage: scripts/render-local-iam.sh [OUT]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/.local/rendered.json}"
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac

"$ROOT/scripts/bootstrap.sh" terraform
TF=terraform
export TF_CLI_CONFIG_FILE="$ROOT/.tools/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export TF_DATA_DIR="$scratch/data"

cd "$ROOT/local/terraform"
"$TF" init -no-color -input=false -backend=false >"$scratch/init.log" 2>&1 || { cat "$scratch/init.log" >&2; exit 1; }
"$TF" apply -no-color -input=false -auto-approve -state="$scratch/terraform.tfstate" >"$scratch/apply.log" 2>&1 ||
  { cat "$scratch/apply.log" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
"$TF" output -no-color -json -state="$scratch/terraform.tfstate" >"$scratch/out.json"
mv "$scratch/out.json" "$OUT"
echo "render-local-iam: wrote $OUT" >&2
