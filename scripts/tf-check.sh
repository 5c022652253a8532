#!/usr/bin/env bash
# Terraform verification with the real Terraform (PATH, >= 1.5) and the real hashicorp/aws
# provider (.tools/terraformrc: the machine's provider mirror, else the registry):
#   - terraform fmt -check -recursive
#   - tests/terraform: both roots applied into the strict two-account emulator for dev, stage and
#     prod (orders, wrong account, re-plan, destroy, upgrade), terraform/examples (apply, re-plan,
#     destroy), module documents and invalid
#     inputs through real plans, naming, validate, checkov on the applied plans, policy lint, READMEs.
# The deployment scenarios and the rest (in two halves) run side by side: every part is a chain of
# terraform runs, each busy on about one core, so the two cores stay busy until the end.
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
# The rest in two processes of about equal length (these files, and every other file) beside the
# deployments. A new test file lands in the second half, never nowhere. test_examples.py (about 75 s,
# most of it the provider waiting on the export bucket) evens the first half out.
first_half=(tests/terraform/test_module_inputs.py tests/terraform/test_static.py tests/terraform/test_naming.py
  tests/terraform/test_examples.py)
"${pytest[@]}" tests/terraform --deployments=only "$@" >"$logs/deployments" 2>&1 &
deployments_pid=$!
"${pytest[@]}" "${first_half[@]}" --deployments=none "$@" >"$logs/rest1" 2>&1 &
rest1_pid=$!
rest2=0
"${pytest[@]}" tests/terraform "${first_half[@]/#/--ignore=}" --deployments=none "$@" >"$logs/rest2" 2>&1 || rest2=$?
rest1=0 deployments=0
wait "$rest1_pid" || rest1=$?
wait "$deployments_pid" || deployments=$?
echo "== tests/terraform: invalid inputs, validate, checkov, naming"; cat "$logs/rest1"
echo "== tests/terraform: module documents, lint, READMEs and the rest"; cat "$logs/rest2"
echo "== tests/terraform: deployments into the emulator (and the checks on their plans)"; cat "$logs/deployments"
[[ $rest1 -eq 0 && $rest2 -eq 0 && $deployments -eq 0 ]] || { echo "tf-check: FAILED" >&2; exit 1; }
echo "tf-check: all passed" >&2
