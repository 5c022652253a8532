"""The consumer account's documents and function environment, rendered by real Terraform from
modules/consumer-policies (what modules/consumer-function deploys)."""
import json

import pytest

from tfhelpers import MODULES, RenderError, render

MODULE = MODULES / "consumer-policies"
MAIN, CONSUMER = "111111111111", "222222222222"
DEMO = f"arn:aws:iam::{MAIN}:role/dev-ddb_cross_acc_access_role-{CONSUMER}"
MATRIX = f"arn:aws:iam::{MAIN}:role/dev-matrix-read"


def inputs(**overrides):
    base = {"function_name": "dev-reader", "consumer_account_id": CONSUMER, "region": "eu-central-1",
            "main_role_arns": [DEMO]}
    base.update(overrides)
    return base


def statement(doc_json):
    doc = json.loads(doc_json)
    assert doc["Version"] == "2012-10-17" and len(doc["Statement"]) == 1
    return doc["Statement"][0]


@pytest.fixture(scope="module")
def full():
    return render(MODULE, inputs(
        main_role_arns=[MATRIX, DEMO], role_arn=DEMO, enable_tag_session=True, external_id="ext-123",
        role_session_name="reader", session_duration_seconds=900, table_region="us-west-2",
        default_table="orders", scheduled_request='{"op":"scan","table":"orders","select":"count"}',
        extra_environment={"RUST_LOG": "info"},
    ))


def test_assume_policy_is_limited_to_the_main_roles(full):
    st = statement(full["assume_policy_json"])
    assert st["Effect"] == "Allow"
    assert st["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    assert st["Resource"] == sorted([DEMO, MATRIX])


def test_assume_policy_without_tag_session():
    out = render(MODULE, inputs())
    assert statement(out["assume_policy_json"])["Action"] == ["sts:AssumeRole"]


def test_logs_policy_is_limited_to_its_own_log_group(full):
    group = f"arn:aws:logs:eu-central-1:{CONSUMER}:log-group:/aws/lambda/dev-reader"
    st = statement(full["logs_policy_json"])
    assert full["log_group_name"] == "/aws/lambda/dev-reader" and full["log_group_arn"] == group
    assert st["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert st["Resource"] == [group, f"{group}:log-stream:*"]


def test_execution_role_trusts_lambda_only(full):
    st = statement(full["execution_trust_policy_json"])
    assert st["Principal"] == {"Service": "lambda.amazonaws.com"} and st["Action"] == "sts:AssumeRole"


def test_scheduler_role_may_invoke_this_function_only(full):
    fn = f"arn:aws:lambda:eu-central-1:{CONSUMER}:function:dev-reader"
    assert full["function_arn"] == fn
    trust = statement(full["scheduler_trust_policy_json"])
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": CONSUMER}}
    invoke = statement(full["scheduler_invoke_policy_json"])
    assert (invoke["Action"], invoke["Resource"]) == ("lambda:InvokeFunction", fn)


def test_environment_carries_the_function_contract(full):
    assert full["environment"] == {
        "ROLE_ARN": DEMO,
        "EXTERNAL_ID": "ext-123",
        "ROLE_SESSION_NAME": "reader",
        "SESSION_DURATION_SECONDS": "900",
        "TABLE_REGION": "us-west-2",
        "DEFAULT_TABLE": "orders",
        "SCHEDULED_REQUEST": '{"op":"scan","table":"orders","select":"count"}',
        "RUST_LOG": "info",
    }


def test_environment_sets_only_what_is_given():
    """The function rejects present-but-empty variables, so unset inputs must be absent."""
    out = render(MODULE, inputs(main_role_arns=[MATRIX, DEMO]))
    assert out["environment"] == {"ROLE_ARN": MATRIX}


def test_contract_variables_win_over_extra_environment():
    out = render(MODULE, inputs(extra_environment={"ROLE_ARN": "arn:aws:iam::999999999999:role/evil"}))
    assert out["environment"]["ROLE_ARN"] == DEMO


INVALID = [
    ("session below 900", {"session_duration_seconds": 899}, "The session_duration_seconds must be 0 (unset) or a whole number from 900 to 3600"),
    ("session above the role-chaining cap", {"session_duration_seconds": 3601}, "role chaining from a Lambda execution role is capped at one hour."),
    ("fractional session", {"session_duration_seconds": 1000.5}, "The session_duration_seconds must be 0 (unset) or a whole number"),
    ("scheduled request not JSON", {"scheduled_request": "scan orders"}, "The scheduled_request must be empty or a JSON object."),
    ("scheduled request a JSON array", {"scheduled_request": "[1]"}, "The scheduled_request must be empty or a JSON object."),
    ("malformed account id", {"consumer_account_id": "2222"}, "The consumer_account_id must be exactly 12 digits."),
    ("no main role", {"main_role_arns": []}, "The main_role_arns list must name at least one role."),
    ("wildcard main role", {"main_role_arns": [f"arn:aws:iam::{MAIN}:role/*"]}, "Each main role must be an IAM role ARN"),
    ("role_arn not assumable", {"role_arn": MATRIX}, f"The role_arn {MATRIX} must be one of main_role_arns."),
    ("bad function name", {"function_name": "has space"}, "The function_name must be 1-64 characters"),
    ("bad session name", {"role_session_name": "a b"}, "The role_session_name must be empty or 2-64 characters"),
    ("bad default table", {"default_table": "ab"}, "The default_table must be empty or a DynamoDB table name"),
    ("bad table region", {"table_region": "Europe"}, "The table_region must be empty or a region name such as eu-west-1."),
]


@pytest.mark.parametrize("case,overrides,message", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_input_is_rejected(case, overrides, message):
    with pytest.raises(RenderError) as err:
        render(MODULE, inputs(**overrides))
    assert message in err.value.message
