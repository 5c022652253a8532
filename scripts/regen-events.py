#!/usr/bin/env python3
"""Regenerate events/scan-next-page.json: run events/scan.json through the real function against
the seeded local emulator and store the next_token it returns, so the sample "next page" event
carries a token the function really produced (a hand-written token would be rejected).

Usage: scripts/regen-events.py [--binary target/debug/ddb-cross-account-reader] [--check]
  --check   do not write; exit 1 if the stored event differs from a fresh one.
Needs the local-aws tools (scripts/bootstrap.sh local-aws) and a built binary.
"""
import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".tools" / "venv" / "bin" / "python"
# boto3/moto live in the project's venv: re-run under it when started with another interpreter.
if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != (ROOT / ".tools" / "venv").resolve():
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
sys.path.insert(0, str(ROOT))

from local.runtime_api import Function  # noqa: E402
from local.testing import LocalAws  # noqa: E402


def next_page_event(binary: str) -> dict:
    request = json.loads((ROOT / "events" / "scan.json").read_text())
    with LocalAws() as aws:
        env = aws.function_env()   # the deployed function's environment: role, ExternalId, orders
        with Function(binary, env) as fn:
            result = fn.invoke(request)
    if not result["ok"]:
        sys.exit(f"regen-events: scan.json failed: {result['error_type']}: {result['error_message']}")
    token = result["payload"]["next_token"]
    if not token:
        sys.exit("regen-events: scan.json returned no next_token; give it a `limit` below the table size")
    return {**request, "next_token": token}


def main() -> None:
    parser = argparse.ArgumentParser(description="Regenerate events/scan-next-page.json")
    parser.add_argument("--binary", default=os.environ.get("DDB_READER_BIN", str(ROOT / "target" / "debug" / "ddb-cross-account-reader")))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    target = ROOT / "events" / "scan-next-page.json"
    text = json.dumps(next_page_event(args.binary), indent=2) + "\n"
    if args.check:
        if not target.exists() or target.read_text() != text:
            sys.exit(f"regen-events: {target.relative_to(ROOT)} is stale; run scripts/regen-events.py")
        print("regen-events: up to date")
        return
    target.write_text(text)
    print(f"regen-events: wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
