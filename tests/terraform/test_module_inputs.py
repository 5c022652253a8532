"""Invalid inputs are refused, each with a message that says what to fix: every case is a call
of the module in one harness root; variable validations come from one `terraform validate`,
preconditions (rules relating two inputs, naming.json's environment format) from one plan."""
import pytest

from cases import Harness, scratch_terraform
from tfhelpers import CONSUMER, MAIN

REQUEST = '{"op":"scan","table":"orders","select":"count"}'


def main_case(**overrides):
    args = {"environment": "dev", "main_account_id": MAIN, "consumer_account_id": CONSUMER, "region": "us-east-1",
            "tables": {"orders": {"access_type": "Read"}}}
    args.update(overrides)
    return "cross-account-role", args


def consumer_case(**overrides):
    args = {"environment": "dev", "consumer_account_id": CONSUMER, "main_account_id": MAIN, "region": "us-east-1",
            "function": {"zip_path": "ZIP"}}
    for key, value in overrides.items():
        args[key] = {**args[key], **value} if key == "function" else value
    return "consumer-function", args


# (case, module call, message) where Terraform checks a variable on its own.
VALIDATIONS = [
    # cross-account-role
    ("unknown access_type", main_case(tables={"orders": {"access_type": "Write"}}),
     "Each table needs an access_type of Read, ReadWriteUpdate or Full."),
    ("missing access_type", main_case(tables={"orders": {"region": "eu-west-1"}}), 'attribute "access_type" is required'),
    ("misspelt access_type", main_case(tables={"orders": {"acess_type": "Read"}}), 'attribute "access_type" is required'),
    ("empty tables", main_case(tables={}), "The tables map must name at least one table."),
    ("tables in the old list form", main_case(tables=[{"table_name": "orders", "access_type": "Read"}]),
     "map of object required"),
    ("short main account id", main_case(main_account_id="11111111111"), "The main_account_id must be exactly 12 digits."),
    ("non-digit consumer id", main_case(consumer_account_id="22222222222x"),
     "The consumer_account_id must be exactly 12 digits."),
    ("session too short", main_case(trust={"max_session_duration": 3599}),
     "The trust.max_session_duration must be a whole number of seconds between 3600 and 43200."),
    ("session too long", main_case(trust={"max_session_duration": 43201}),
     "The trust.max_session_duration must be a whole number of seconds between 3600 and 43200."),
    ("bad table name", main_case(tables={"or ders": {"access_type": "Read"}}),
     "Each table name (a key of tables) must be 3-255 characters"),
    ("bad table region", main_case(tables={"orders": {"access_type": "Read", "region": "mars"}}),
     "A table's region must be null (var.region) or a region name such as eu-west-1."),
    ("bad replica region", main_case(tables={"orders": {"access_type": "Read", "replica_regions": ["us-west-2", "West"]}}),
     "Each of a table's replica_regions must be a region name such as eu-west-1."),
    ("replica region twice", main_case(tables={"orders": {"access_type": "Read",
                                                          "replica_regions": ["us-west-2", "eu-west-1", "us-west-2"]}}),
     "A table's replica_regions must name each region once; remove the duplicates."),
    ("replica regions in resource-policy mode", ("table-resource-policy", {
        "environment": "dev", "main_account_id": MAIN, "consumer_account_id": CONSUMER, "region": "us-east-1",
        "tables": {"orders": {"access_type": "Read", "replica_regions": ["us-west-2"]}}}),
     "A table policy covers one replica in one region, and DynamoDB does not copy it to the other replicas"),
    ("kms key given as an alias", main_case(tables={"orders": {"access_type": "Read", "kms_key_arn": "alias/orders"}}),
     "A table's kms_key_arn must be null (an AWS owned or managed key) or a KMS key ARN"),
    ("kms key of another service", main_case(tables={"orders": {"access_type": "Read", "kms_key_arn":
                                                                f"arn:aws:dynamodb:us-east-1:{MAIN}:table/orders"}}),
     "A table's kms_key_arn must be null (an AWS owned or managed key) or a KMS key ARN"),
    ("wildcard principal", main_case(trust={"principal_arns": ["*"]}), "Each trusted principal must be an IAM role or user ARN"),
    ("account root principal", main_case(trust={"principal_arns": [f"arn:aws:iam::{CONSUMER}:root"]}),
     "Each trusted principal must be an IAM role or user ARN"),
    ("wildcard role", main_case(trust={"principal_arns": [f"arn:aws:iam::{CONSUMER}:role/*"]}),
     "Each trusted principal must be an IAM role or user ARN"),
    ("no principal", main_case(trust={"principal_arns": []}),
     "The trust.principal_arns list must name at least one principal"),
    ("unknown trust mode", main_case(trust={"mode": "any"}), 'The trust.mode must be "principal" or "account".'),
    ("one-character external id", main_case(trust={"external_id": "x"}),
     "The trust.external_id must be null (no condition) or 2-1224 characters"),
    ("external id too long", main_case(trust={"external_id": "x" * 1225}),
     "The trust.external_id must be null (no condition) or 2-1224 characters"),
    ("source identity with a space", main_case(trust={"source_identity": True, "source_identities": ["my fn"]}),
     "The trust.source_identities must be null (the function's name) or a non-empty list"),
    ("reserved source identity", main_case(trust={"source_identity": True, "source_identities": ["aws:me"]}),
     "The trust.source_identities must be null (the function's name) or a non-empty list"),
    ("no source identity", main_case(trust={"source_identity": True, "source_identities": []}),
     "The trust.source_identities must be null (the function's name) or a non-empty list"),
    ("reserved tag key", main_case(trust={"tag_session": True, "session_tags": {"aws:team": "x"}}),
     "The trust.session_tags must be null (naming.json's session_tags) or 1-50 tags"),
    ("tag value with a semicolon", main_case(trust={"tag_session": True, "session_tags": {"team": "a;b"}}),
     "The trust.session_tags must be null (naming.json's session_tags) or 1-50 tags"),
    ("no session tags", main_case(trust={"tag_session": True, "session_tags": {}}),
     "The trust.session_tags must be null (naming.json's session_tags) or 1-50 tags"),
    ("51 session tags", main_case(trust={"tag_session": True, "session_tags": {f"k{i}": "v" for i in range(51)}}),
     "The trust.session_tags must be null (naming.json's session_tags) or 1-50 tags"),
    ("consumer tag key too long", consumer_case(assume={"tag_session": True, "session_tags": {"k" * 129: "v"}}),
     "The assume.session_tags must be null (naming.json's session_tags) or 1-50 tags"),
    ("bad role name", main_case(role={"name": "has space"}), "The role.name must be null (naming.json's name) or 1-64 characters"),
    # consumer-function
    ("session below 900", consumer_case(assume={"session_duration_seconds": 899}),
     "The assume.session_duration_seconds must be null (the SDK default, 3600) or a whole number from 900 to 3600"),
    ("session above the role-chaining cap", consumer_case(assume={"session_duration_seconds": 3601}),
     "role chaining from a Lambda execution role is capped at one hour."),
    ("fractional session", consumer_case(assume={"session_duration_seconds": 1000.5}),
     "The assume.session_duration_seconds must be null (the SDK default, 3600) or a whole number"),
    ("scheduled request not JSON", consumer_case(schedule={"expression": "rate(1 hour)", "request": "scan orders"}),
     "The schedule.request must be a JSON object"),
    ("scheduled request a JSON array", consumer_case(schedule={"expression": "rate(1 hour)", "request": "[1]"}),
     "The schedule.request must be a JSON object"),
    ("schedule without request", consumer_case(schedule={"expression": "rate(1 hour)"}), 'attribute "request" is required'),
    ("bad schedule expression", consumer_case(schedule={"expression": "hourly", "request": REQUEST}),
     "The schedule.expression must be a rate(...), cron(...) or at(...) expression."),
    ("malformed account id", consumer_case(consumer_account_id="2222"), "The consumer_account_id must be exactly 12 digits."),
    ("wildcard extra role", consumer_case(assume={"extra_role_arns": [f"arn:aws:iam::{MAIN}:role/*"]}),
     "Each of assume.extra_role_arns must be an IAM role ARN"),
    ("bad role name override", consumer_case(assume={"role_name": "a b"}),
     "The assume.role_name must be null (naming.json's name) or 1-64 characters"),
    ("bad session name", consumer_case(assume={"session_name": "a b"}),
     "The assume.session_name must be null (the function's default) or 2-64 characters"),
    ("bad default table", consumer_case(function={"default_table": "ab"}),
     "The function.default_table must be null (unset) or a DynamoDB table name"),
    ("bad function table_region", consumer_case(function={"table_region": "Europe"}),
     "The function.table_region must be null (the function's region) or a region name such as eu-west-1."),
    ("missing zip", consumer_case(function={"zip_path": "no/such/bootstrap.zip"}),
     "The function.zip_path no/such/bootstrap.zip does not exist: build it (make zip)"),
    ("unknown architecture", consumer_case(function={"architecture": "arm"}),
     "The function.architecture must be arm64 or x86_64."),
    ("negative reserved concurrency", consumer_case(function={"reserved_concurrency": -1}),
     "The function.reserved_concurrency must be null (unreserved) or 0 and more."),
    ("AWS metrics namespace", consumer_case(metrics={"namespace": "AWS/Lambda"}),
     "The metrics.namespace must be null (DdbCrossAccountReader) or 1-255 characters"),
    ("alarm topic not an SNS ARN", consumer_case(alarms={"sns_topic_arn": "alerts"}),
     "The alarms.sns_topic_arn must be null (a topic is created) or an SNS topic ARN"),
    ("alarm key not a KMS ARN", consumer_case(alarms={"kms_key_arn": "alias/aws/sns"}),
     "The alarms.kms_key_arn must be null (a key is created) or a KMS key or alias ARN"),
    ("alarm period of 30 s", consumer_case(alarms={"errors": {"period_seconds": 30}}),
     "Each alarms.*.period_seconds must be a multiple of 60 from 60 to 86400"),
    ("throttle threshold 0", consumer_case(alarms={"throttles": {"threshold": 0}}),
     "The alarms.errors.threshold and alarms.throttles.threshold must be 1 or more"),
    ("duration over the timeout", consumer_case(alarms={"duration": {"percent_of_timeout": 120}}),
     "The alarms.duration.percent_of_timeout must be more than 0 and at most 100."),
    ("no-success window over 7 days", consumer_case(alarms={"no_successful_run": {"hours": 169}}),
     "The alarms.no_successful_run.hours must be a whole number from 1 to 168"),
    ("dead-letter retention over 14 days", consumer_case(failure_handling={"dead_letter_queue": {"retention_seconds": 1209601}}),
     "The failure_handling.dead_letter_queue.retention_seconds must be from 60 to 1209600"),
    ("three async retries", consumer_case(failure_handling={"async_invocation": {"maximum_retry_attempts": 3}}),
     "The failure_handling.async_invocation.maximum_retry_attempts must be 0, 1 or 2."),
    ("async event age of 7 h", consumer_case(failure_handling={"async_invocation": {"maximum_event_age_seconds": 25200}}),
     "The failure_handling.async_invocation.maximum_event_age_seconds must be from 60 to 21600"),
    ("on-failure to an S3 bucket", consumer_case(failure_handling={"async_invocation": {"on_failure_arn": "arn:aws:s3:::bucket"}}),
     "The failure_handling.async_invocation.on_failure_arn must be null (the dead-letter queue) or the ARN of an SQS queue"),
    ("schedule retries over 185", consumer_case(failure_handling={"schedule_retry": {"maximum_retry_attempts": 186}}),
     "The failure_handling.schedule_retry.maximum_retry_attempts must be from 0 to 185."),
]

# Rules that relate inputs or read naming.json: preconditions, checked when planning.
PRECONDITIONS = [
    ("principal of another account", main_case(trust={"principal_arns": ["arn:aws:iam::333333333333:role/x"]}),
     "Every trusted principal must belong to consumer_account_id 222222222222; not: arn:aws:iam::333333333333:role/x."),
    ("kms key of another account", main_case(tables={"orders": {"access_type": "Read", "kms_key_arn":
                                                                "arn:aws:kms:us-east-1:333333333333:key/0a1b2c3d-aaaa-bbbb-cccc-123456789012"}}),
     f"The kms_key_arn of table orders must be a key of the main account {MAIN}"),
    ("home region among the replicas", main_case(tables={"orders": {"access_type": "Read",
                                                                   "replica_regions": ["us-west-2", "us-east-1"]}}),
     "The replica_regions of table orders must not name its own region us-east-1"),
    ("table region among its replicas", main_case(tables={"orders": {"access_type": "Read", "region": "eu-west-1",
                                                                     "replica_regions": ["eu-west-1"]}}),
     "The replica_regions of table orders must not name its own region eu-west-1"),
    ("kms key with replicas", main_case(tables={"orders": {"access_type": "Read", "replica_regions": ["us-west-2"],
                                                           "kms_key_arn": f"arn:aws:kms:us-east-1:{MAIN}:key/0a1b2c3d-aaaa-bbbb-cccc-123456789012"}}),
     "Table orders has both kms_key_arn and replica_regions: each replica of a global table is encrypted with a key in its own region"),
    ("environment too long for the role name", main_case(environment="e" * 26),
     f'The environment "{"e" * 26}" must be 1-25 characters of lowercase letters, digits and hyphens'),
    ("environment with capitals", consumer_case(environment="Dev"),
     'The environment "Dev" must be 1-25 characters of lowercase letters, digits and hyphens, starting with a letter'),
    ("no-success alarm without a schedule", consumer_case(alarms={"no_successful_run": {"hours": 25}}),
     "The alarms.no_successful_run alarm watches a scheduled function: set schedule"),
]


def with_zip(cases, zip_path):
    out = {}
    for case, (module, args), _ in cases:
        if module == "consumer-function" and args["function"]["zip_path"] == "ZIP":
            args = {**args, "function": {**args["function"], "zip_path": str(zip_path)}}
        out[case] = (module, args)
    return out


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    terraform_dir, zip_path = scratch_terraform(tmp_path_factory.mktemp("inputs"))
    names = [c[0] for c in VALIDATIONS + PRECONDITIONS]
    assert len(set(names)) == len(names), "case names must be unique"
    validations = Harness(terraform_dir, "validations", with_zip(VALIDATIONS, zip_path)).diagnostics("validate")
    preconditions = Harness(terraform_dir, "preconditions", with_zip(PRECONDITIONS, zip_path)).diagnostics("plan")
    return validations, preconditions


@pytest.mark.parametrize("case,call,message", VALIDATIONS, ids=[c[0] for c in VALIDATIONS])
def test_invalid_input_is_refused_by_its_validation(refused, case, call, message):
    errors = refused[0][case]
    assert errors, f"{case}: accepted"
    assert any(message in e for e in errors), errors


def test_each_validation_failure_is_its_cases_alone(refused):
    """Every error maps back to a case line (none unattributed) and no case fails twice over."""
    validations, _ = refused
    assert validations.get("?", []) == []
    assert {case: len(errors) for case, errors in validations.items() if len(errors) != 1} == {}


@pytest.mark.parametrize("case,call,message", PRECONDITIONS, ids=[c[0] for c in PRECONDITIONS])
def test_rule_relating_inputs_is_refused_when_planning(refused, case, call, message):
    errors = [e for errs in refused[1].values() for e in errs]
    assert any(message in e for e in errors), errors


def test_exactly_the_precondition_cases_fail_the_plan(refused):
    errors = [e for errs in refused[1].values() for e in errs]
    assert len(errors) == len(PRECONDITIONS), errors
