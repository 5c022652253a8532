#!/usr/bin/env python3
"""Writes (or, with --check, verifies) the Inputs and Outputs tables of every Terraform README
from the code: name, description, type and default of each variable, name and description of
each output, read from the .tf files with python-hcl2 (pinned in requirements/terraform-docs.txt;
run with .tools/tf-docs-venv/bin/python). The tables sit between the markers
<!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS --> of each README; the prose around them is the
author's. Hand-written because terraform-docs is a Go binary no package registry here ships.

usage: tf-docs.py [--check] [DIR ...]   (default: terraform/main-account, terraform/consumer-account,
                                          every terraform/modules/* and every terraform/examples/*)
"""
from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

import hcl2

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"


def default_dirs() -> list[Path]:
    tf = ROOT / "terraform"
    return [tf / "main-account", tf / "consumer-account"] + sorted(
        p for parent in ("modules", "examples") for p in (tf / parent).iterdir() if p.is_dir())


def _unquote(value: str) -> str:
    """A string as python-hcl2 returns it ("..." with HCL escapes) -> its text."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    return value


def _expression(value: str) -> str:
    """An expression as python-hcl2 returns it (${...}) -> its source text."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return value


def _hcl_value(value) -> str:
    """A default value in HCL literal syntax."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return value if value.startswith('"') else _expression(value)
    if isinstance(value, list):
        return "[" + ", ".join(_hcl_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = [(k, v) for k, v in value.items() if k != "__is_block__"]
        if not items:
            return "{}"
        return "{ " + ", ".join(f"{_unquote(k)} = {_hcl_value(v)}" for k, v in items) + " }"
    raise TypeError(f"unexpected default {value!r}")


def read_module(directory: Path) -> dict:
    """{"inputs": [{name, description, type, default}], "outputs": [{name, description}]} in file order."""
    inputs, outputs = [], []
    for tf in sorted(directory.glob("*.tf")):
        with tf.open() as f:
            parsed = hcl2.load(f)
        for block in parsed.get("variable", []):
            for name, body in block.items():
                inputs.append({
                    "name": _unquote(name),
                    "description": _unquote(body.get("description", '""')),
                    "type": _expression(body.get("type", "${any}")),
                    "default": _hcl_value(body["default"]) if "default" in body else None,
                })
        for block in parsed.get("output", []):
            for name, body in block.items():
                outputs.append({"name": _unquote(name), "description": _unquote(body.get("description", '""'))})
    return {"inputs": inputs, "outputs": outputs}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def tables(module: dict) -> str:
    lines = [BEGIN, "## Inputs", ""]
    if module["inputs"]:
        lines += ["| Name | Description | Type | Default |", "|---|---|---|---|"]
        for v in module["inputs"]:
            default = "required" if v["default"] is None else f"`{_cell(v['default'])}`"
            lines.append(f"| `{v['name']}` | {_cell(v['description'])} | `{_cell(v['type'])}` | {default} |")
    else:
        lines.append("None.")
    lines += ["", "## Outputs", ""]
    if module["outputs"]:
        lines += ["| Name | Description |", "|---|---|"]
        lines += [f"| `{o['name']}` | {_cell(o['description'])} |" for o in module["outputs"]]
    else:
        lines.append("None.")
    lines.append(END)
    return "\n".join(lines)


def rendered(readme: Path, module: dict) -> str:
    text = readme.read_text() if readme.exists() else f"# {readme.parent.name}\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme}: add the markers {BEGIN} and {END} where the tables go")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + tables(module) + tail


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 and show the difference if a README is stale")
    parser.add_argument("dirs", nargs="*", type=Path)
    args = parser.parse_args(argv)
    stale = 0
    for directory in args.dirs or default_dirs():
        readme = directory / "README.md"
        want = rendered(readme, read_module(directory))
        have = readme.read_text() if readme.exists() else ""
        if want == have:
            continue
        if args.check:
            stale += 1
            sys.stdout.writelines(difflib.unified_diff(have.splitlines(True), want.splitlines(True),
                                                       f"{readme} (as written)", f"{readme} (from the code)"))
        else:
            readme.write_text(want)
            print(f"tf-docs: wrote {readme.relative_to(ROOT) if readme.is_relative_to(ROOT) else readme}", file=sys.stderr)
    if stale:
        print(f"tf-docs: {stale} README(s) differ from the code: run make tf-docs",
              file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
