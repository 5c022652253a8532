#!/usr/bin/env bash
# `make test`: every suite of the project, in lanes that overlap, with each stage's wall time.
#
#   setup    tools (pinned, into .tools/)  and  the shipped binary (.local/bin/), side by side
#   rust     lint (fmt, clippy, docs) -> Rust tests (unit, faults, table access, fuzz properties)
#   deploy   Terraform checks -> integration
#   serve    IAM matrix -> reliability -> acceptance run (local) -> smoke benchmark -> docs
#
# Why lanes: most stages wait on Terraform, on an emulator or on a timed fault, so one core is idle
# for much of each; the Rust lane is the one that compiles. Every stage that deploys starts an
# emulator of its own on a free port and its own working directory, so stages in different lanes
# share nothing but the shipped binary, which is built before any of them starts.
# A lane stops at its first failure; the others run on, and the suite fails at the end with the
# failing stages' logs. Every log stays in .local/test-logs/STAGE.log.
# STAGES="a b" runs only those stages (with their setup), e.g. STAGES="lint test-rust".
set -uo pipefail
cd "$(dirname "$0")/.."
MAKE_CMD=(${MAKE:-make} --no-print-directory)
LOGS=.local/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
T0=$(date +%s)

wanted() { [[ -z "${STAGES:-}" || " $STAGES " == *" $1 "* ]]; }

# stage NAME COMMAND...: runs COMMAND with its output in $LOGS/NAME.log and records its times.
stage() {
  local name=$1 start end rc
  shift
  wanted "$name" || return 0
  start=$(date +%s)
  echo "test: $name started at +$((start - T0)) s"
  "$@" >"$LOGS/$name.log" 2>&1
  rc=$?
  end=$(date +%s)
  echo "$name $((start - T0)) $((end - start)) $rc" >>"$LOGS/stages"
  if [[ $rc -eq 0 ]]; then
    echo "test: $name passed in $((end - start)) s"
  else
    echo "test: $name FAILED in $((end - start)) s (log: $LOGS/$name.log)"
  fi
  return "$rc"
}

# Python suites use the binary setup built, as it is (PREBUILT=1: no cargo call races the Rust lane).
suite() { "${MAKE_CMD[@]}" "$1" PREBUILT=1; }

# Setup: the tool venvs install (network, disk) while the binary compiles (CPU).
stage tools scripts/bootstrap.sh local-aws terraform &
tools=$!
stage bin "${MAKE_CMD[@]}" bin
bin_rc=$?
wait "$tools"
tools_rc=$?

if [[ $bin_rc -eq 0 && $tools_rc -eq 0 ]]; then
  (stage lint "${MAKE_CMD[@]}" lint && stage test-rust "${MAKE_CMD[@]}" test-rust) &
  rust=$!
  (stage tf-check suite tf-check && stage test-integration suite test-integration) &
  deploy=$!
  (stage test-iam suite test-iam && stage test-reliability suite test-reliability &&
    stage acceptance suite acceptance && stage bench-smoke suite bench-smoke && stage test-docs suite test-docs) &
  serve=$!
  wait "$rust" "$deploy" "$serve"
fi

total=$(($(date +%s) - T0))
echo
echo "test: stage             start   wall  result"
failed=()
while read -r name start wall rc; do
  printf 'test: %-16s %5s s %4s s  %s\n' "$name" "+$start" "$wall" "$([[ $rc -eq 0 ]] && echo passed || echo FAILED)"
  [[ $rc -eq 0 ]] || failed+=("$name")
done < <(sort -k2 -n "$LOGS/stages")
echo "test: total $total s ($((total / 60)) min $((total % 60)) s)"

for name in "${failed[@]}"; do
  echo
  echo "== $name: the last 200 lines of $LOGS/$name.log"
  tail -n 200 "$LOGS/$name.log"
done
# A lane that did not run (setup failed) has no stages to report, so check the setup too.
[[ ${#failed[@]} -eq 0 && $bin_rc -eq 0 && $tools_rc -eq 0 ]] || { echo "test: FAILED (${failed[*]})"; exit 1; }
echo "test: all passed"
