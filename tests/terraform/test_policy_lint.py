"""Policy lint (no unknown action, no wildcard principal, no wildcard resource) on every IAM
document the project deploys: the applied plans of dev, stage and prod, and the modules planned
with every option on (both trust forms, every access level, TagSession, SourceIdentity, a schedule)."""
import json

import pytest

from cases import Planned, planned_with_others
from test_apply import record
from tfhelpers import CONSUMER, ENVS, MAIN, tf_venv_json

FN_ROLE = f"arn:aws:iam::{CONSUMER}:role/prod-ddb-cross-account-reader-exec"
ALL_TABLES = {"orders": {"access_type": "Full"}, "eu-orders": {"access_type": "ReadWriteUpdate", "region": "eu-west-1"},
              "archive": {"access_type": "Read"}}


def documents(plan, prefix=""):
    """(name, kind, json) of every IAM document a plan deploys."""
    docs = []
    for rc in plan["resource_changes"]:
        values = rc["change"]["after"] or {}
        if rc["type"] == "aws_iam_role":
            docs.append((f"{prefix}{rc['address']}", "trust", values["assume_role_policy"]))
        elif rc["type"] == "aws_iam_policy":
            docs.append((f"{prefix}{rc['address']}", "identity", values["policy"]))
    return docs


def state_documents(resources, prefix=""):
    """(name, kind, json) of every IAM document among applied resources ({address: {type,
    values}}: values a plan cannot know yet, such as a queue's ARN, are there)."""
    docs = []
    for address, r in resources.items():
        if r["type"] == "aws_iam_role":
            docs.append((f"{prefix}{address}", "trust", r["values"]["assume_role_policy"]))
        elif r["type"] == "aws_iam_policy":
            docs.append((f"{prefix}{address}", "identity", r["values"]["policy"]))
    return docs


def lint(docs):
    return tf_venv_json("lint_policies.py", [{"name": n, "kind": k, "json": j} for n, k, j in docs])


def _cases(zip_path):
    base = {"environment": "prod", "main_account_id": MAIN, "consumer_account_id": CONSUMER, "region": "us-east-1",
            "tables": ALL_TABLES}
    options = {"external_id": "e-1", "tag_session": True, "source_identity": True}
    return {
        "principal": ("cross-account-role", dict(base, trust=dict(options, principal_arns=[FN_ROLE]))),
        "account": ("cross-account-role", dict(base, trust=dict(options, mode="account"))),
        "consumer": ("consumer-function", {
            "environment": "prod", "consumer_account_id": CONSUMER, "main_account_id": MAIN, "region": "us-east-1",
            "function": {"zip_path": str(zip_path), "tracing_mode": "Active"},
            "failure_handling": {"async_invocation": {"on_failure_arn": f"arn:aws:sns:us-east-1:{CONSUMER}:failed"}},
            "assume": {"tag_session": True, "extra_role_arns": [f"arn:aws:iam::{MAIN}:role/reporting"]},
            "schedule": {"expression": "rate(1 hour)", "request": '{"op":"scan","table":"orders"}'}}),
    }


planned_with_others("lint", _cases)


@pytest.fixture(scope="module")
def module_documents(shared_module_plan):
    h, plan = shared_module_plan
    mine = Planned(h, "lint")
    return documents({"resource_changes": [rc for rc in plan["resource_changes"] if mine.owns(rc["address"])]})


def test_every_module_document_is_clean(module_documents):
    # 2 x (trust + 3 tables) in the main account; execution trust, assume, logs, scheduler trust,
    # scheduler invoke, X-Ray, on-failure destination in the consumer account.
    assert len(module_documents) == 15
    findings = lint(module_documents)
    assert set(findings) == {n for n, _, _ in module_documents}
    assert {n: p for n, p in findings.items() if p} == {}


def test_every_applied_document_is_clean(runs):
    docs = []
    for env in ENVS:
        cycle = record(runs, f"{env}/consumer-first")["cycle"]
        docs += documents(cycle["plans"]["main"], prefix=f"{env}/main/")
        docs += state_documents(cycle["resources"], prefix=f"{env}/consumer/")
    assert len(docs) >= 20
    findings = lint(docs)
    assert {n: p for n, p in findings.items() if p} == {}


BAD = [
    ("unknown action", "identity", {"Effect": "Allow", "Action": "dynamodb:GetItems",
                                    "Resource": f"arn:aws:dynamodb:us-east-1:{MAIN}:table/t"}, "unknown action"),
    ("action wildcard", "identity", {"Effect": "Allow", "Action": "dynamodb:*",
                                     "Resource": f"arn:aws:dynamodb:us-east-1:{MAIN}:table/t"}, "unknown action"),
    ("resource star", "identity", {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}, "wildcard resource"),
    ("every table", "identity", {"Effect": "Allow", "Action": "dynamodb:GetItem",
                                 "Resource": f"arn:aws:dynamodb:us-east-1:{MAIN}:table/*"}, "wildcard resource"),
    ("any region", "identity", {"Effect": "Allow", "Action": "dynamodb:GetItem",
                                "Resource": f"arn:aws:dynamodb:*:{MAIN}:table/t"}, "wildcard resource"),
    ("star with a restrictable action", "identity", {"Effect": "Allow", "Resource": "*",
                                                     "Action": ["xray:PutTraceSegments", "sqs:SendMessage"]},
     "wildcard resource"),
    ("principal star", "trust", {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*"}, "wildcard principal"),
    ("aws star", "trust", {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}}, "wildcard principal"),
    ("role wildcard", "trust", {"Effect": "Allow", "Action": "sts:AssumeRole",
                                "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:role/*"}}, "wildcard principal"),
]


def test_the_lint_catches_what_it_must():
    docs = [(n, k, json.dumps({"Version": "2012-10-17", "Statement": [st]})) for n, k, st, _ in BAD]
    findings = lint(docs)
    for name, _, _, expected in BAD:
        assert any(expected in p for p in findings[name]), (name, findings[name])


def test_resource_star_passes_only_for_actions_without_resource_level_permissions():
    xray = {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"}
    findings = lint([("xray", "identity", json.dumps({"Version": "2012-10-17", "Statement": [xray]}))])
    assert [p for p in findings["xray"] if "wildcard" in p] == []
