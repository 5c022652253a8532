"""CloudWatch Embedded Metric Format: the specification's rules for one log line, and the metrics
a line carries. Used by the integration tests (every metric line the real binary writes must
pass) and by `make demo` (the table of what the function emitted).

The rules (CloudWatch's EMF specification): the line is a JSON object with a top-level `_aws`
object holding `Timestamp` (ms since the epoch) and `CloudWatchMetrics`, an array of directives,
each with a `Namespace` string, `Dimensions` (an array of dimension sets, each an array of 1-30
keys that are top-level string members of the line, values 1-1024 characters) and `Metrics` (at
most 100 objects of `Name`, a top-level numeric member, and an optional `Unit` from CloudWatch's set).
"""
from __future__ import annotations

import json
import re
import sys

UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}
MAX_METRICS = 100
MAX_DIMENSIONS = 30
NAMESPACE = re.compile(r"^[A-Za-z0-9.\-_/#: ]{1,255}$")


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def problems(line: dict) -> list[str]:
    """Every way `line` breaks the EMF specification ([] when it is a valid EMF line)."""
    if not isinstance(line, dict):
        return ["not a JSON object"]
    aws = line.get("_aws")
    if not isinstance(aws, dict):
        return ["no top-level _aws object"]
    out = []
    if not (_number(aws.get("Timestamp")) and aws["Timestamp"] > 1_000_000_000_000):
        out.append(f"_aws.Timestamp must be milliseconds since the epoch, got {aws.get('Timestamp')!r}")
    directives = aws.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return out + ["_aws.CloudWatchMetrics must be a non-empty array"]
    for i, d in enumerate(directives):
        where = f"CloudWatchMetrics[{i}]"
        if not isinstance(d, dict):
            out.append(f"{where} is not an object")
            continue
        ns = d.get("Namespace")
        if not (isinstance(ns, str) and NAMESPACE.match(ns) and not ns.startswith("AWS/")):
            out.append(f"{where}.Namespace invalid: {ns!r}")
        sets = d.get("Dimensions")
        if not isinstance(sets, list):
            out.append(f"{where}.Dimensions must be an array")
            sets = []
        for s in sets:
            if not isinstance(s, list) or not 1 <= len(s) <= MAX_DIMENSIONS:
                out.append(f"{where}: a dimension set must hold 1-{MAX_DIMENSIONS} keys, got {s!r}")
                continue
            for key in s:
                value = line.get(key)
                if not isinstance(value, str) or not 1 <= len(value) <= 1024:
                    out.append(f"{where}: dimension {key!r} must be a top-level string of 1-1024 characters, got {value!r}")
        metrics = d.get("Metrics")
        if not isinstance(metrics, list) or not 1 <= len(metrics) <= MAX_METRICS:
            out.append(f"{where}.Metrics must hold 1-{MAX_METRICS} metrics")
            metrics = []
        for m in metrics:
            name = m.get("Name") if isinstance(m, dict) else None
            if not isinstance(name, str) or not name:
                out.append(f"{where}: metric without a Name: {m!r}")
                continue
            if "Unit" in m and m["Unit"] not in UNITS:
                out.append(f"{where}: metric {name!r} has unit {m['Unit']!r}, not one of CloudWatch's")
            if not _number(line.get(name)):
                out.append(f"{where}: metric {name!r} must be a top-level number, got {line.get(name)!r}")
    return out


def metrics(line: dict) -> list[dict]:
    """The data points a valid EMF line makes: [{namespace, dimensions: {key: value}, name, unit, value}]."""
    points = []
    for d in line["_aws"]["CloudWatchMetrics"]:
        for s in d["Dimensions"]:
            for m in d["Metrics"]:
                points.append({"namespace": d["Namespace"], "dimensions": {k: line[k] for k in s},
                               "name": m["Name"], "unit": m.get("Unit", "None"), "value": line[m["Name"]]})
    return points


def lines_in(text: str) -> list[dict]:
    """The JSON objects with an `_aws` block among the lines of `text` (a log that may prefix or
    colour each line, like cargo lambda watch's)."""
    decoder, found = json.JSONDecoder(), []
    for raw in text.splitlines():
        start = raw.find('{"')
        if start < 0 or '"_aws"' not in raw:
            continue
        try:
            obj, _ = decoder.raw_decode(raw[start:])
        except ValueError:
            continue
        if isinstance(obj, dict) and "_aws" in obj:
            found.append(obj)
    return found


def table(lines: list[dict]) -> str:
    """By op and table: invocations, sums of items / scanned / pages / capacity, mean and max
    duration; then errors by error_type."""
    rows: dict[tuple, dict] = {}
    errors: dict[str, int] = {}
    for line in lines:
        for p in metrics(line):
            dims = p["dimensions"]
            if p["name"] == "errors":
                if "error_type" in dims:
                    errors[dims["error_type"]] = errors.get(dims["error_type"], 0) + p["value"]
                continue
            row = rows.setdefault((dims["op"], dims["table"]), {"durations": []})
            if p["name"] == "duration_ms":
                row["durations"].append(p["value"])
            else:
                row[p["name"]] = row.get(p["name"], 0) + p["value"]
    head = f"  {'op':<10} {'table':<12} {'runs':>4} {'items':>6} {'scanned':>8} {'pages':>5} {'capacity':>9} {'ms mean':>8} {'ms max':>7}"
    out = [head, "  " + "-" * (len(head) - 2)]
    for (op, tbl), r in sorted(rows.items()):
        d = r["durations"]
        out.append(f"  {op:<10} {tbl:<12} {len(d):>4} {r.get('items', 0):>6} {r.get('scanned_count', 0):>8} "
                   f"{r.get('pages', 0):>5} {r.get('consumed_capacity', 0):>9.1f} {sum(d) / len(d):>8.1f} {max(d):>7.1f}")
    for error_type, n in sorted(errors.items()):
        out.append(f"  errors: {error_type} x{n}")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """emf.py table LOG: the metrics table of LOG's EMF lines; exit 1 when a line breaks the
    specification or there is none."""
    if len(argv) != 2 or argv[0] != "table":
        print("usage: emf.py table LOG", file=sys.stderr)
        return 2
    lines = lines_in(open(argv[1], encoding="utf-8", errors="replace").read())
    bad = [(l.get("request_id"), problems(l)) for l in lines if problems(l)]
    for request_id, p in bad:
        print(f"emf: line of request {request_id} is not valid EMF: {'; '.join(p)}", file=sys.stderr)
    if not lines:
        print(f"emf: no EMF lines in {argv[1]}", file=sys.stderr)
        return 1
    namespaces = sorted({d["Namespace"] for l in lines for d in l["_aws"]["CloudWatchMetrics"]})
    print(f"  {len(lines)} log lines with EMF metrics, namespace {', '.join(namespaces)}")
    print(table(lines))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
