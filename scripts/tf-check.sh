#!/usr/bin/env bash
# Terraform verification with the real Terraform (PATH, >= 1.5) and the real hashicorp/aws
# provider (.tools/terraformrc: the machine's provider mirror, else the registry):
#   - terraform fmt -check -recursive
#   - tests/terraform: both roots applied into the strict two-account emulator for dev, stage and
#     prod (orders, wrong account, re-plan, destroy, upgrade), module documents and invalid
#     inputs through real plans, naming, validate, checkov on the applied plans, policy lint, READMEs.
# The deployment scenarios (mostly waiting on the provider) and the rest run side by side.
# Extra arguments go to both pytest runs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE="$ROOT/.tools/terraformrc"

scripts/bootstrap.sh terraform local-aws

echo "tf-check: terraform fmt -check -recursive terraform" >&2
terraform fmt -check -recursive -diff -no-color terraform ||
  { echo "tf-check: run terraform fmt -recursive terraform" >&2; exit 1; }

echo "tf-check: pytest tests/terraform (deployments and the rest side by side)" >&2
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
pytest=(.tools/venv/bin/pytest -q -p no:cacheprovider)
"${pytest[@]}" tests/terraform --deployments=only "$@" >"$logs/deployments" 2>&1 &
deployments_pid=$!
rest=0
"${pytest[@]}" tests/terraform --deployments=none "$@" >"$logs/rest" 2>&1 || rest=$?
deployments=0
wait "$deployments_pid" || deployments=$?
echo "== tests/terraform: module documents, inputs, naming, validate, lint, READMEs"; cat "$logs/rest"
echo "== tests/terraform: deployments into the emulator (and the checks on their plans)"; cat "$logs/deployments"
[[ $rest -eq 0 && $deployments -eq 0 ]] || { echo "tf-check: FAILED" >&2; exit 1; }
echo "tf-check: all passed" >&2
