"""scripts/render-local-iam.sh: the IAM scenario the local emulator is seeded with."""
import json
import subprocess

import pytest

from tfhelpers import REPO, access_levels

MAIN, CONSUMER = "111111111111", "222222222222"
EXTERNAL_ID = "local-demo-external-id"
DEMO = f"local-ddb_cross_acc_access_role-{CONSUMER}"
FN, NOASSUME, OTHER = (f"arn:aws:iam::{CONSUMER}:role/local-consumer-{n}" for n in ("fn", "noassume", "other"))


def render_to(path):
    subprocess.run([str(REPO / "scripts" / "render-local-iam.sh"), str(path)], check=True, capture_output=True)
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return render_to(tmp_path_factory.mktemp("render") / "rendered.json")


def only(doc_json):
    doc = json.loads(doc_json)
    assert len(doc["Statement"]) == 1
    return doc["Statement"][0]


def table_grants(role):
    """{table name: actions} of a main role, read back from its policy documents."""
    grants = {}
    for doc in role["policies"].values():
        st = only(doc)
        table = st["Resource"][0].split(":table/")[1]
        assert st["Resource"] == [f"arn:aws:dynamodb:us-east-1:{MAIN}:table/{table}",
                                  f"arn:aws:dynamodb:us-east-1:{MAIN}:table/{table}/index/*"]
        grants[table] = st["Action"]
    return grants


def test_outputs_have_the_shared_shape(rendered):
    for name in ("main_roles", "consumer_roles"):
        assert set(rendered[name]) == {"value", "type", "sensitive"}
    main = rendered["main_roles"]["value"]
    assert set(main) == {DEMO, "local-matrix-read", "local-matrix-readwriteupdate", "local-matrix-full",
                         "local-account-trust"}
    for name, role in main.items():
        assert set(role) == {"arn", "trust_policy", "max_session_duration", "policies"}
        assert role["arn"] == f"arn:aws:iam::{MAIN}:role/{name}"
        assert role["max_session_duration"] == 3600
    consumer = rendered["consumer_roles"]["value"]
    assert set(consumer) == {"local-consumer-fn", "local-consumer-noassume", "local-consumer-other"}
    for name, role in consumer.items():
        assert set(role) == {"arn", "trust_policy", "policies"}
        assert role["arn"] == f"arn:aws:iam::{CONSUMER}:role/{name}"
        assert only(role["trust_policy"])["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_demo_role_grants_and_trust(rendered):
    role = rendered["main_roles"]["value"][DEMO]
    levels = access_levels()
    assert table_grants(role) == {"orders": levels["Read"], "bulk": levels["Read"],
                                  "customers": levels["ReadWriteUpdate"], "archive": levels["Read"]}
    assert "audit" not in json.dumps(role)
    st = only(role["trust_policy"])
    assert st["Principal"] == {"AWS": sorted([FN, NOASSUME])}
    assert st["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}


@pytest.mark.parametrize("suffix,level", [("read", "Read"), ("readwriteupdate", "ReadWriteUpdate"), ("full", "Full")])
def test_matrix_roles_grant_orders_at_their_level(rendered, suffix, level):
    role = rendered["main_roles"]["value"][f"local-matrix-{suffix}"]
    assert table_grants(role) == {"orders": access_levels()[level]}
    st = only(role["trust_policy"])
    assert st["Principal"] == {"AWS": [FN]}
    assert st["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}


def test_account_trust_role_pins_the_function_role(rendered):
    role = rendered["main_roles"]["value"]["local-account-trust"]
    assert table_grants(role) == {"orders": access_levels()["Read"]}
    st = only(role["trust_policy"])
    assert st["Principal"] == {"AWS": [f"arn:aws:iam::{CONSUMER}:root"]}
    assert st["Condition"]["ArnEquals"] == {"aws:PrincipalArn": [FN]}


def test_consumer_roles_assume_permissions(rendered):
    consumer = rendered["consumer_roles"]["value"]
    main_arns = sorted(r["arn"] for r in rendered["main_roles"]["value"].values())

    def sts_resources(role):
        return [only(d)["Resource"] for d in role["policies"].values() if "sts:AssumeRole" in only(d)["Action"]]

    assert sts_resources(consumer["local-consumer-fn"]) == [main_arns]
    assert sts_resources(consumer["local-consumer-noassume"]) == []
    assert "sts:" not in json.dumps(consumer["local-consumer-noassume"]["policies"])
    # Allowed to call AssumeRole on the demo role, but the demo role does not trust it.
    assert sts_resources(consumer["local-consumer-other"]) == [[f"arn:aws:iam::{MAIN}:role/{DEMO}"]]
    assert OTHER not in rendered["main_roles"]["value"][DEMO]["trust_policy"]


def test_function_environment_points_at_the_demo_role(rendered):
    assert rendered["function_environment"]["value"] == {
        "ROLE_ARN": f"arn:aws:iam::{MAIN}:role/{DEMO}", "EXTERNAL_ID": EXTERNAL_ID,
        "TABLE_REGION": "us-east-1", "DEFAULT_TABLE": "orders",
    }


def test_render_is_idempotent_and_leaves_no_state_in_the_repo(rendered, tmp_path):
    assert render_to(tmp_path / "again.json") == rendered
    leftovers = [p.name for p in (REPO / "local" / "terraform").iterdir()
                 if p.name.startswith((".terraform", "terraform.tfstate"))]
    assert leftovers == []
