#!/usr/bin/env bash
# Offline Terraform verification:
#   1. terraform fmt -check -recursive (real Terraform 1.0.3)
#   2. policy documents rendered by real Terraform, exact contents and validation messages
#   4. terraform validate (+ plan of every environment) against the aws provider's real schema
#   5. checkov on the HCL and on the plan JSON (--skip-download)
#   6. policy lint of every rendered document
# 2, 4, 5 and 6 are the pytest suite tests/terraform. Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export CHECKPOINT_DISABLE=1

scripts/bootstrap.sh terraform local-aws
tools/terraform-offline/install.sh >/dev/null

echo "tf-check: terraform fmt -check -recursive" >&2
status=0
for dir in terraform local/terraform; do
  .tools/bin/terraform fmt -check -recursive -diff -no-color "$dir" || status=1
done
[[ $status -eq 0 ]] || { echo "tf-check: run .tools/bin/terraform fmt -recursive on the files above" >&2; exit 1; }

# Two pytest processes side by side: the roots' plans mostly wait on provider start-ups, the
# rest is CPU-bound rendering, so together they take about the time of the longer one.
echo "tf-check: pytest tests/terraform (roots and the rest in parallel)" >&2
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
pytest=(.tools/venv/bin/pytest -q -p no:cacheprovider)
"${pytest[@]}" tests/terraform/test_roots.py "$@" >"$logs/roots" 2>&1 &
roots_pid=$!
rest=0
"${pytest[@]}" tests/terraform --ignore=tests/terraform/test_roots.py "$@" >"$logs/rest" 2>&1 || rest=$?
roots=0
wait "$roots_pid" || roots=$?
echo "== tests/terraform (documents, lint, local render)"; cat "$logs/rest"
echo "== tests/terraform/test_roots.py (validate, plans, checkov)"; cat "$logs/roots"
[[ $rest -eq 0 && $roots -eq 0 ]] || { echo "tf-check: FAILED" >&2; exit 1; }
echo "tf-check: all passed" >&2
