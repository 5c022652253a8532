#!/usr/bin/env bash
# make demo: the whole product on one machine, offline, deployed the way it is deployed to AWS.
# Installs the pinned tools (.tools/), builds the function, starts the strict two-account AWS
# emulator, deploys into it with `terraform apply` of terraform/consumer-account and then
# terraform/main-account (local/deploy.py: deployer credentials per account, envs/local.tfvars),
# fills the tables, runs the function under `cargo lambda watch` with the environment Terraform gave
# the deployed function (read back from Lambda) and the credentials of the execution role Terraform
# created, invokes every sample event in events/ and prints each result, invokes them again through
# the emulator's Lambda Invoke (the deployed zip itself, local/lambda_invoke.py) and prints both
# results side by side, prints a table of the
# metrics the function emitted (EMF, read from its own log lines), then `terraform destroy`s
# the deployment. Everything it started is stopped on exit. Exit status: 0 when every sample event
# succeeded, every metric line is valid EMF (and the destroy did).
#
# Needs Rust (cargo), Python 3, Terraform >= 1.5 and a package registry. Environment knobs:
#   DEMO_BUILD_TIMEOUT  seconds to wait for the first build + invocation (default 1800: a clean
#                       debug build takes ~7 min on 2 cores)
#   DEMO_KEEP=1         keep the run directory (.local/demo) with the logs and Terraform states
#   DEMO_DESTROY=0      leave the deployment up until the emulator stops (skip terraform destroy)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

RUN="$ROOT/.local/demo"
# The binary, as cargo lambda watch names the function (it also sets AWS_LAMBDA_FUNCTION_NAME to it,
# so the role session is named after it, where Lambda would use the deployed function's name).
FUNCTION=ddb-cross-account-reader
BUILD_TIMEOUT="${DEMO_BUILD_TIMEOUT:-1800}"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Tools (pinned, into .tools/) and the function's debug build"
scripts/bootstrap.sh local-aws terraform cargo-lambda
# cargo-lambda's venv also holds Zig; it must come first on PATH.
export PATH="$ROOT/.tools/cargo-lambda/bin:$PATH"
PY="$ROOT/.tools/venv/bin/python"
# Nothing from the caller's AWS setup may reach the function or the tools (a stray
# AWS_ENDPOINT_URL_DYNAMODB or AWS_PROFILE would send the demo elsewhere).
while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_' || true)
# The zip the consumer root deploys is made from this build (cargo lambda watch reuses it).
cargo build --locked --bin "$FUNCTION"

rm -rf "$RUN" && mkdir -p "$RUN"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    # Each background service runs in its own process group (setsid): stop the group.
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [[ $status -ne 0 ]]; then
    echo "demo: failed (status $status); logs in ${RUN#"$ROOT"/}/" >&2
  elif [[ "${DEMO_KEEP:-}" != 1 ]]; then
    rm -rf "$RUN"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

say "Local AWS: main account 111111111111 + consumer account 222222222222"
EMULATOR_PORT="$(free_port)"
ENDPOINT="http://127.0.0.1:$EMULATOR_PORT"
setsid "$PY" local/aws_emulator.py --port "$EMULATOR_PORT" >"$RUN/emulator.log" 2>&1 &
pids+=($!)

say "terraform apply: terraform/consumer-account, then terraform/main-account (envs/local.tfvars)"
"$PY" local/deploy.py up --endpoint "$ENDPOINT" --workdir "$RUN/aws"
"$PY" local/deploy.py summary --workdir "$RUN/aws"

# The function's environment, as Lambda gives it to the deployed function.
"$PY" local/deploy.py env --workdir "$RUN/aws" >"$RUN/function.env"
echo "function environment: ${RUN#"$ROOT"/}/function.env ($(grep -c . "$RUN/function.env") variables: Terraform's," \
  "the logging_config ones, the execution role's credentials, region, endpoint)"

say "Function under cargo lambda watch (builds it first)"
INVOKE_PORT="$(free_port)"
setsid cargo lambda watch --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$INVOKE_PORT" \
  --env-file "$RUN/function.env" >"$RUN/watch.log" 2>&1 &
watch_pid=$!
pids+=("$watch_pid")

invoke() { # invoke EVENT-FILE -> response JSON on stdout, error text on stderr
  # --output-format text prints the response as the function sent it; `json` re-encodes it through
  # f64 and would show 12345678901234567890123456789012345678 as 1.2345678901234568E+37.
  cargo lambda invoke "$FUNCTION" --invoke-address 127.0.0.1 --invoke-port "$INVOKE_PORT" \
    --data-file "$1" --output-format text
}

# Ready = the watch server answers and the function completes a real invocation (the first one
# waits for the build to finish).
deadline=$((SECONDS + BUILD_TIMEOUT))
last_note=0
until invoke events/count.json >"$RUN/ready.json" 2>"$RUN/ready.err"; do
  kill -0 "$watch_pid" 2>/dev/null || { tail -n 30 "$RUN/watch.log" >&2; echo "demo: cargo lambda watch exited" >&2; exit 1; }
  if ((SECONDS > deadline)); then
    tail -n 30 "$RUN/watch.log" >&2; cat "$RUN/ready.err" >&2
    echo "demo: the function did not serve within ${BUILD_TIMEOUT}s" >&2; exit 1
  fi
  if ((SECONDS - last_note >= 30)); then
    last_note=$SECONDS
    echo "  waiting for the build... ($(grep -c 'Compiling' "$RUN/watch.log" || true) crates compiled so far)"
  fi
  sleep 2
done
echo "function is serving on 127.0.0.1:$INVOKE_PORT"

say "Sample events"
mkdir -p "$RUN/watch-results"
failures=0
for event in events/*.json; do
  printf '\n\033[1m-- %s\033[0m  %s\n' "$event" "$("$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$event" | cut -c1-150)"
  if invoke "$event" >"$RUN/out.json" 2>"$RUN/out.err"; then
    cp "$RUN/out.json" "$RUN/watch-results/$(basename "$event")"
    "$PY" - "$RUN/out.json" <<'EOF'
import json, sys
from decimal import Decimal

def show(v):
    """One-line JSON with every number exactly as the function returned it (Decimal keeps all digits)."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {show(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(show(x) for x in v) + "]"
    if isinstance(v, str) and len(v) > 70:
        return json.dumps(v[:67] + "...")
    return str(v) if isinstance(v, Decimal) else json.dumps(v)

def show_item(item):
    ordered = {k: item[k] for k in sorted(item, key=lambda k: (k not in ("pk", "sk"), k != "pk", k))}
    line = show(ordered)
    if len(line) <= 180:
        return "  " + line
    return "  {\n" + ",\n".join(f"    {json.dumps(k)}: {show(v)}" for k, v in ordered.items()) + "\n  }"

out = json.loads(open(sys.argv[1]).read(), parse_float=Decimal)
if "steps" in out:  # {"op": "check"}: its report, one line per step and check
    print(f"ok={out['ok']}")
    for step in out["steps"]:
        name = step["step"] + (f" {step['table']}" if "table" in step else "")
        print(f"  {name}: {step['status']} - {step['detail']}")
        for c in step.get("checks", []):
            print(f"    {c['check']}: {c['status']} - {c['detail'][:120]}")
    sys.exit(0)
items = out.get("items", [])
token = out.get("next_token")
print(f"count={out.get('count')} scanned_count={out.get('scanned_count')} "
      f"consumed_capacity={out.get('consumed_capacity')} "
      f"next_token={(token[:40] + '...') if token else None}")
for item in items[:5]:
    print(show_item(item))
if len(items) > 5:
    print(f"  ... and {len(items) - 5} more items")
EOF
  else
    failures=$((failures + 1))
    echo "ERROR:"; cat "$RUN/out.err" "$RUN/out.json"
  fi
done

say "The same events through the emulator's Lambda Invoke (the deployed zip, as Lambda runs it)"
# boto3's lambda.invoke as the consumer account's deployer (what `aws lambda invoke` sends): the
# emulator runs the zip Terraform uploaded under its own Runtime API (local/lambda_invoke.py).
"$PY" - "$RUN/aws/state.json" "$RUN/watch-results" events/*.json <<'EOF' || failures=$((failures + 1))
import json, sys
from decimal import Decimal
from pathlib import Path
import boto3

state = json.loads(Path(sys.argv[1]).read_text())
deployer = state["admins"][state["accounts"]["consumer"]]
lam = boto3.client("lambda", endpoint_url=state["endpoint"], region_name=state["region"],
                   aws_access_key_id=deployer["access_key_id"], aws_secret_access_key=deployer["secret_access_key"])
# Their results depend on what ran before (a write's old item, a new export's ARN): compared by outcome only.
STATEFUL = {"put.json", "update.json", "delete.json", "batch-write.json", "transact-write.json", "export.json"}

# Segments scanned in parallel answer in whichever order they finish: the same items, in any order
# (the token, which records each segment's position, may differ as well).
UNORDERED = {"scan-parallel.json"}

def unordered(out):
    return (out.get("count"), sorted(json.dumps(i, sort_keys=True, default=str) for i in out.get("items") or []))

def brief(out):
    if "errorType" in out:
        return f"error {out['errorType']}"
    if "steps" in out:
        return f"check ok={out['ok']}"
    if "items" not in out:
        return "export " + str(out.get("status") or out.get("export_arn", "?"))[:21]
    return f"count={out.get('count')} items={len(out.get('items') or [])}"

differ = 0
print(f"  {'event':<22} {'cargo lambda watch':<28} {'Lambda Invoke':<28} same")
for name in sys.argv[3:]:
    event = Path(name).name
    watch_file = Path(sys.argv[2]) / event
    r = lam.invoke(FunctionName=state["function"]["name"], Payload=Path(name).read_bytes())
    invoked = json.loads(r["Payload"].read(), parse_float=Decimal)
    watched = json.loads(watch_file.read_text(), parse_float=Decimal) if watch_file.exists() else {"errorType": "failed"}
    if event in STATEFUL:
        same, how = ("errorType" in invoked) == ("errorType" in watched), " (outcome)"
    elif event in UNORDERED:
        same, how = unordered(invoked) == unordered(watched), " (any order)"
    else:
        same, how = invoked == watched, ""
    differ += not same
    print(f"  {event:<22} {brief(watched):<28} {brief(invoked):<28} {'yes' if same else 'NO'}{how}")
print(f"  {len(sys.argv) - 3 - differ} of {len(sys.argv) - 3} the same")
sys.exit(1 if differ else 0)
EOF

say "Sessions the function obtained (the emulator's record of sts:AssumeRole)"
"$PY" - "$ENDPOINT" <<'EOF'
import json, sys, urllib.request
for s in json.load(urllib.request.urlopen(sys.argv[1] + "/_local/sts/sessions"))["sessions"]:
    print(f"  {s['via']}: {s['role_arn']}, session {s['session_name']}, valid {s['expiration'] - s['issued']:.0f} s")
EOF

say "Metrics the function emitted (CloudWatch EMF in its own log lines, as CloudWatch would extract them)"
# Every metric line must be valid EMF (local/emf.py checks the specification's rules).
metrics_status=0
"$PY" local/emf.py table "$RUN/watch.log" || metrics_status=$?

if [[ "${DEMO_DESTROY:-1}" != 0 ]]; then
  say "terraform destroy (main-account roots, then consumer-account)"
  "$PY" local/deploy.py destroy --workdir "$RUN/aws"
fi

say "Done: $(ls events/*.json | wc -l) events, $failures failed$( ((metrics_status == 0)) || echo '; metric lines invalid or missing')"
[[ $failures -eq 0 && $metrics_status -eq 0 ]]
