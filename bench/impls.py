"""The three implementations measured side by side, each started as its own process under the same
local Lambda Runtime API (local/runtime_api.py), and how each one is asked for a page and resumes."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from local.runtime_api import Function  # noqa: E402

VENV_BIN = ROOT / ".tools" / "venv" / "bin"


@dataclass(frozen=True)
class Impl:
    key: str       # "function" | "function_old" (a previous build, side by side) | "node" | "boto3"
    label: str
    binary: str

    def start(self, env: dict[str, str], extra: dict[str, str] | None = None) -> Function:
        env = dict(env, **(extra or {}))
        fn = Function(self.binary, env=env, name=f"bench-{self.key}")
        if self.key == "boto3":
            # The reference runs on the project's venv python (boto3 lives there), found through PATH.
            fn.env["PATH"] = f"{VENV_BIN}:{fn.env.get('PATH', os.defpath)}"
        return fn.start(timeout_s=60)

    def scan_event(self, table: str, resume=None, segments: int | None = None) -> dict:
        """The event for one page (or, for the function, one response) of a full scan."""
        if self.key.startswith("function"):
            event = {"op": "scan", "table": table}
            if segments and segments > 1:
                event["segments"] = segments
            if resume:
                event["next_token"] = resume
            return event
        return {"table": table, **({"exclusive_start_key": resume} if resume else {})}

    def resume_of(self, payload: dict):
        """Where the next call continues, or None at the end of the table."""
        return payload.get("next_token") if self.key.startswith("function") else payload.get("last_evaluated_key")


def implementations(function_binary: str) -> list[Impl]:
    return [
        Impl("function", "Rust function (this project)", function_binary),
        Impl("node", "Node.js reference (AWS SDK v3, AssumeRole per call, DocumentClient)",
             str(ROOT / "bench" / "node-reference" / "bootstrap.js")),
        Impl("boto3", "boto3 reference (AssumeRole per call, Table.scan)",
             str(ROOT / "bench" / "boto3-reference" / "bootstrap.py")),
    ]
