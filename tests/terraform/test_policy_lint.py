"""Policy lint (no unknown action, no wildcard principal, no wildcard resource) on every document
the project renders: the local scenario and the modules under several input sets."""
import json
import subprocess

import pytest

from tfhelpers import MODULES, REPO, render, tf_venv_json

MAIN, CONSUMER = "111111111111", "222222222222"
FN_ROLE = f"arn:aws:iam::{CONSUMER}:role/prod-ddb-cross-account-reader-exec"


def rendered_documents(tmp_path):
    """(name, kind, json) of every document the project renders."""
    docs = []
    out = tmp_path / "rendered.json"
    subprocess.run([str(REPO / "scripts" / "render-local-iam.sh"), str(out)], check=True, capture_output=True)
    rendered = json.loads(out.read_text())
    for group in ("main_roles", "consumer_roles"):
        for role, r in rendered[group]["value"].items():
            docs.append((f"local/{role}/trust", "trust", r["trust_policy"]))
            docs += [(f"local/{role}/{n}", "identity", d) for n, d in r["policies"].items()]

    base = {"environment": "prod", "main_account_id": MAIN, "consumer_account_id": CONSUMER,
            "default_region": "us-east-1", "trusted_principal_arns": [FN_ROLE],
            "tables": [{"table_name": "orders", "access_type": "Full"},
                       {"table_name": "eu-orders", "access_type": "ReadWriteUpdate", "region": "eu-west-1"}]}
    for mode in ("principal", "account"):
        m = render(MODULES / "cross-account-policies", dict(base, trust_mode=mode, external_id="e-1",
                                                            enable_tag_session=True, enable_source_identity=True))
        docs.append((f"main/{mode}/trust", "trust", m["trust_policy_json"]))
        docs += [(f"main/{mode}/{t}", "identity", p["json"]) for t, p in m["table_policies"].items()]

    c = render(MODULES / "consumer-policies", {
        "function_name": "prod-reader", "consumer_account_id": CONSUMER, "region": "us-east-1",
        "main_role_arns": [f"arn:aws:iam::{MAIN}:role/prod-ddb_cross_acc_access_role-{CONSUMER}"],
        "enable_tag_session": True})
    docs += [("consumer/execution-trust", "trust", c["execution_trust_policy_json"]),
             ("consumer/scheduler-trust", "trust", c["scheduler_trust_policy_json"]),
             ("consumer/assume", "identity", c["assume_policy_json"]),
             ("consumer/logs", "identity", c["logs_policy_json"]),
             ("consumer/scheduler-invoke", "identity", c["scheduler_invoke_policy_json"])]
    return docs


def lint(docs):
    return tf_venv_json("lint_policies.py", [{"name": n, "kind": k, "json": j} for n, k, j in docs])


def test_every_rendered_document_is_clean(tmp_path):
    docs = rendered_documents(tmp_path)
    assert len(docs) >= 30
    findings = lint(docs)
    assert set(findings) == {n for n, _, _ in docs}
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
