"""tf-venv helper: lints IAM policy documents. Reads [{"name", "kind": "identity"|"trust",
"json"}] on stdin, writes {name: [problem, ...]} (an empty list when clean).

Rules: every action must exist in policy_sentry's IAM database (no action wildcards); no
NotAction/NotResource/NotPrincipal; no wildcard principal; no wildcard resource: with concrete
partition, service, region and account, "*" only as "table/NAME/index/*" or
"log-group:NAME:log-stream:*", or Resource "*" for a statement whose every action has no
resource-level permissions (policy_sentry: wildcard-only, e.g. X-Ray's writes). Identity policies also go through parliament
(it mis-reads trust policies, so those get the rules above only).
"""
import json
import re
import sys

from parliament import analyze_policy_string
from policy_sentry.querying.actions import get_actions_that_support_wildcard_arns_only
from policy_sentry.querying.all import get_all_actions

KNOWN = {a.lower() for a in get_all_actions()}


def wildcard_only(action):
    service = action.split(":", 1)[0]
    return action.lower() in {a.lower() for a in get_actions_that_support_wildcard_arns_only(service)}


def as_list(v):
    return v if isinstance(v, list) else [v]


# The only wildcards the project needs: every index of one table, every stream of one log group.
ALLOWED_WILDCARD = re.compile(r"table/[A-Za-z0-9_.-]+/index/\*|log-group:[^*:]+:log-stream:\*")


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
        problems += [f"parliament {f.issue}: {f.detail}" for f in analyze_policy_string(doc_json).findings]
    return problems


docs = json.load(sys.stdin)
json.dump({d["name"]: lint(d["json"], d["kind"]) for d in docs}, sys.stdout)
