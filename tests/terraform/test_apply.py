"""Both roots applied for real (Terraform + the real aws provider) into the strict two-account
emulator, for dev, stage and prod: every apply order the README allows, the order it forbids,
wrong-account credentials, the re-plan after apply, destroy, and an upgrade from the previous
interface. The scenarios run once, side by side (deployments.py); the tests read their records.
"""
import base64
import hashlib
import json

import pytest

from deployments import PRE_OBJECT_INPUTS_COMMIT
from tfhelpers import CONSUMER, ENVS, MAIN, access_levels, after, flat, level_resources, name, naming

NOTHING = {"roles": [], "policies": [], "functions": [], "log_groups": [], "schedules": [], "tables": [],
           "queues": [], "topics": [], "alarms": [], "keys": [], "event_invoke_configs": []}


def record(runs, key):
    rec = runs[key]
    assert "failed" not in rec, f"scenario {key} failed: {rec.get('failed')}"
    return rec


def trust_mode(runs, env):
    plan = record(runs, f"{env}/consumer-first")["cycle"]["plans"]["main"]
    return (plan["variables"]["trust"]["value"] or {}).get("mode") or "principal"


# --- orders, accounts, re-plan, destroy ---

@pytest.mark.parametrize("env", ENVS)
def test_consumer_first_applies_replans_empty_and_destroys_clean(runs, env):
    cycle = record(runs, f"{env}/consumer-first")["cycle"]
    assert cycle["applied"] == ["consumer", "main"]
    assert cycle["replan"] == {"consumer": {}, "main": {}}, "a re-plan right after apply must be empty"
    deployed = cycle["deployed"]
    assert name("function_name", env) in deployed["consumer"]["functions"]
    assert name("execution_role_name", env) in deployed["consumer"]["roles"]
    assert name("cross_account_role_name", env) in deployed["main"]["roles"]
    assert cycle["after_destroy"] == {"main": NOTHING, "consumer": NOTHING}


@pytest.mark.parametrize("env", ENVS)
def test_main_first_works_exactly_when_the_readme_allows_it(runs, env):
    rec = record(runs, f"{env}/main-first")
    role = name("cross_account_role_name", env)
    if trust_mode(runs, env) == "account":
        assert rec["error"] is None and not rec["interrupted"]
        assert rec["cycle"]["applied"] == ["main", "consumer"]
        assert rec["cycle"]["replan"] == {"consumer": {}, "main": {}}
        assert rec["cycle"]["after_destroy"] == {"main": NOTHING, "consumer": NOTHING}
    else:
        # IAM refuses a trust policy naming a role that does not exist yet, as AWS does. The
        # apply was interrupted once the emulator had refused it (main_first_scenario says why):
        # the refusal, Terraform's error and the absence of the role are what is checked.
        exec_role = f"arn:aws:iam::{CONSUMER}:role/{name('execution_role_name', env)}"
        invalid = f'Invalid principal in policy: "AWS":"{exec_role}"'
        assert rec["error"] is not None, "main first with trust mode principal must fail"
        assert rec["interrupted"], "the apply ended before the emulator refused the role: it failed for another reason"
        assert {"action": "iam:CreateRole", "account": MAIN, "resource": role, "reason": invalid} in rec["refusals"]
        assert f"Error: creating IAM Role ({role}): operation error IAM: CreateRole" in rec["error"]
        assert f"MalformedPolicyDocument: {invalid}" in rec["error"]
        assert "module.cross_account_role[0].aws_iam_role.this" not in rec["state_after_error"]["main"]
        assert rec["state_after_error"]["consumer"] == []
        assert role not in rec["after_error"]["main"]["roles"]
        assert rec["after_error"]["consumer"] == NOTHING
        assert rec["after_destroy"] == {"main": NOTHING, "consumer": NOTHING}


def test_every_environment_tries_both_orders(runs):
    """dev trusts the account (either order), stage and prod the exact principal."""
    assert {env: trust_mode(runs, env) for env in ENVS} == {"dev": "account", "stage": "principal", "prod": "principal"}


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("root,credentials_of,expected_account", [
    ("consumer", "main", MAIN), ("main", "consumer", CONSUMER)])
def test_wrong_account_credentials_stop_before_any_change(runs, env, root, credentials_of, expected_account):
    rec = record(runs, f"{env}/consumer-first")
    attempt = rec["wrong_account"][root]
    assert attempt["returncode"] != 0
    assert f"AWS account ID not allowed: {expected_account}" in flat(attempt["output"])
    assert rec["after_wrong_account"] == {"main": NOTHING, "consumer": NOTHING}


def test_upgrade_from_the_previous_interface_changes_nothing(runs):
    """The roots of the commit before the object inputs, applied, then the current roots planned
    on the same state: nothing destroyed or replaced (moved blocks carry the execution role's
    policies to their new addresses). The one update: the function's environment gains
    SOURCE_IDENTITY=off and SESSION_TAGS=off, which keep its AssumeRole as it was (the function's
    own defaults would send both, and the old trust policy allows neither)."""
    rec = record(runs, "upgrade")
    assert rec["commit"] == PRE_OBJECT_INPUTS_COMMIT
    old = rec["old_deployed"]
    assert name("function_name", "dev") in old["consumer"]["functions"]
    assert name("cross_account_role_name", "dev") in old["main"]["roles"]
    function = "module.function.aws_lambda_function.this"
    for root, plan in rec["plans"].items():
        changes = {rc["address"]: rc["change"]["actions"] for rc in plan["resource_changes"]}
        assert changes, root
        expected = {function: ["update"]} if root == "consumer" else {}
        assert {a: c for a, c in changes.items() if c != ["no-op"]} == expected, root
    (fn,) = [rc["change"] for rc in rec["plans"]["consumer"]["resource_changes"] if rc["address"] == function]
    before, after_ = fn["before"]["environment"][0]["variables"], fn["after"]["environment"][0]["variables"]
    assert after_ == {**before, "SOURCE_IDENTITY": "off", "SESSION_TAGS": "off"}
    moved = {rc["previous_address"]: rc["address"] for rc in rec["plans"]["consumer"]["resource_changes"]
             if rc.get("previous_address")}
    assert moved == {
        "module.function.aws_iam_policy.assume_main": 'module.function.aws_iam_policy.execution["assume-main"]',
        "module.function.aws_iam_policy.logs": 'module.function.aws_iam_policy.execution["logs"]',
        "module.function.aws_iam_role_policy_attachment.assume_main":
            'module.function.aws_iam_role_policy_attachment.execution["assume-main"]',
        "module.function.aws_iam_role_policy_attachment.logs":
            'module.function.aws_iam_role_policy_attachment.execution["logs"]',
    }


# --- what the applied plans deploy ---

def plans(runs, env):
    return record(runs, f"{env}/consumer-first")["cycle"]["plans"]


def variables(plan):
    return {k: v["value"] for k, v in plan["variables"].items()}


@pytest.mark.parametrize("env", ENVS)
def test_main_plan_deploys_the_role_and_one_policy_per_table(runs, env):
    p = plans(runs, env)["main"]
    v = variables(p)
    trust = v["trust"]
    role = after(p, "module.cross_account_role[0].aws_iam_role.this")
    assert role["name"] == name("cross_account_role_name", env)
    exec_role = f"arn:aws:iam::{CONSUMER}:role/{name('execution_role_name', env)}"
    statements = json.loads(role["assume_role_policy"])["Statement"]
    assert [s["Action"] for s in statements] == [["sts:AssumeRole"]] + (
        ["sts:SetSourceIdentity"] if trust.get("source_identity") else []) + (
        ["sts:TagSession"] if trust.get("tag_session") else [])
    st = statements[0]
    conditions = {"StringEquals": {"sts:ExternalId": trust["external_id"]}}
    if trust_mode(runs, env) == "account":
        assert st["Principal"] == {"AWS": [f"arn:aws:iam::{CONSUMER}:root"]}
        conditions["ArnEquals"] = {"aws:PrincipalArn": [exec_role]}
    else:
        assert st["Principal"] == {"AWS": [exec_role]}
    assert st["Condition"] == conditions

    types = [rc["type"] for rc in p["resource_changes"]]
    assert "aws_iam_policy_attachment" not in types  # the exclusive kind would detach other holders
    assert types.count("aws_iam_policy") == types.count("aws_iam_role_policy_attachment") == len(v["tables"])
    for table, grant in v["tables"].items():
        policy = after(p, f'module.cross_account_role[0].aws_iam_policy.table["{table}"]')
        # The home region, then a global table's replicas (replica_regions).
        regions = [grant.get("region") or v["region"]] + (grant.get("replica_regions") or [])
        arns = [f"arn:aws:dynamodb:{region}:{MAIN}:table/{table}" for region in regions]
        assert policy["name"] == f"{name('cross_account_role_name', env)}-{table}"
        assert json.loads(policy["policy"])["Statement"] == [{
            "Sid": f"DynamoDB{grant['access_type']}", "Effect": "Allow",
            "Action": access_levels()[grant["access_type"]],
            "Resource": [x for arn in arns for x in level_resources(arn, grant["access_type"])]}]
    demo = [rc["address"] for rc in p["resource_changes"] if rc["address"].startswith("module.demo_table")]
    assert bool(demo) == (v["demo_table"] is not None)


@pytest.mark.parametrize("env", ENVS)
def test_consumer_plan_deploys_the_function_as_configured(runs, env):
    p = plans(runs, env)["consumer"]
    v = variables(p)
    fn_settings, assume, schedule = v["function"] or {}, v["assume"] or {}, v["schedule"]
    fn = after(p, "module.function.aws_lambda_function.this")
    assert (fn["function_name"], fn["runtime"], fn["handler"], fn["architectures"]) == (
        name("function_name", env), "provided.al2023", "bootstrap", ["arm64"])
    zip_bytes = open(runs["zip_path"], "rb").read()
    assert fn["source_code_hash"] == base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()
    assert fn["logging_config"] == [{"log_format": "JSON", "log_group": f"/aws/lambda/{name('function_name', env)}",
                                     "application_log_level": fn_settings.get("log_level") or "INFO",
                                     "system_log_level": "WARN"}]

    main_role = f"arn:aws:iam::{MAIN}:role/{name('cross_account_role_name', env)}"
    fn_name = name("function_name", env)
    tags = {k: v.replace("{function_name}", fn_name).replace("{environment}", env)
            .replace("{consumer_account_id}", CONSUMER) for k, v in naming()["session_tags"].items()}
    expected_env = {"ROLE_ARN": main_role, "EXTERNAL_ID": assume["external_id"], "DEFAULT_TABLE": "orders",
                    "SOURCE_IDENTITY": fn_name if assume.get("source_identity") else "off",
                    "SESSION_TAGS": json.dumps(tags, separators=(",", ":"), sort_keys=True)
                    if assume.get("tag_session") else "off"}
    if schedule:
        expected_env["SCHEDULED_REQUEST"] = schedule["request"]
    if fn_settings.get("allow_writes"):
        expected_env["ALLOW_WRITES"] = "true"
    metrics = v.get("metrics") or {}
    if metrics.get("enabled") is not None:
        expected_env["METRICS"] = "on" if metrics["enabled"] else "off"
    if metrics.get("namespace") is not None:
        expected_env["METRICS_NAMESPACE"] = metrics["namespace"]
    assert fn["environment"] == [{"variables": expected_env}]

    assume_policy = json.loads(after(p, 'module.function.aws_iam_policy.execution["assume-main"]')["policy"])
    assert assume_policy["Statement"][0] == {
        "Sid": "AssumeMainAccountRoles", "Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": [main_role]}
    assert [s["Action"] for s in assume_policy["Statement"][1:]] == (
        [["sts:SetSourceIdentity"]] if assume.get("source_identity") else []) + (
        [["sts:TagSession"]] if assume.get("tag_session") else [])
    group = f"arn:aws:logs:us-east-1:{CONSUMER}:log-group:/aws/lambda/{name('function_name', env)}"
    logs_policy = json.loads(after(p, 'module.function.aws_iam_policy.execution["logs"]')["policy"])
    assert logs_policy["Statement"][0]["Resource"] == [group, f"{group}:log-stream:*"]
    log_group = after(p, "module.function.aws_cloudwatch_log_group.function")
    assert log_group["retention_in_days"] == (fn_settings.get("log_retention_days") or 30)

    addresses = {rc["address"] for rc in p["resource_changes"]}
    if schedule:
        s = after(p, "module.function.aws_scheduler_schedule.this[0]")
        assert s["schedule_expression"] == schedule["expression"]
        assert json.loads(s["target"][0]["input"]) == json.loads(schedule["request"])
    else:
        assert not any(".aws_scheduler_schedule." in a for a in addresses)
    xray = 'module.function.aws_iam_policy.execution["xray"]' in addresses
    assert xray == (fn_settings.get("tracing_mode") == "Active")
    if xray:
        doc = json.loads(after(p, 'module.function.aws_iam_policy.execution["xray"]')["policy"])
        assert doc["Statement"] == [{"Sid": "XRayActiveTracing", "Effect": "Allow",
                                     "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": "*"}]
    assert not any("AWSXRayDaemonWriteAccess" in json.dumps(rc["change"]["after"]) for rc in p["resource_changes"])


@pytest.mark.parametrize("env", ENVS)
def test_outputs_name_what_was_applied(runs, env):
    out = record(runs, f"{env}/consumer-first")["cycle"]["outputs"]
    assert out["consumer"]["main_role_arn"] == out["main"]["role_arn"]
    assert out["consumer"]["environment"]["ROLE_ARN"] == out["main"]["role_arn"]
    assert out["consumer"]["execution_role_arn"] == f"arn:aws:iam::{CONSUMER}:role/{name('execution_role_name', env)}"
    assert out["consumer"]["function_name"] == name("function_name", env)
    assert sorted(out["main"]["policy_arns"]) == sorted(variables(plans(runs, env)["main"])["tables"])


def applied(runs, env):
    """{address: values} of the consumer root's applied resources (module ones included)."""
    return {a: r["values"] for a, r in record(runs, f"{env}/consumer-first")["cycle"]["resources"].items()}


@pytest.mark.parametrize("env", ENVS)
def test_consumer_operations_are_applied_as_configured(runs, env):
    """Alarms, dead-letter queue, retry policies, the on-failure destination and the execution
    role's permission for it, read back from the applied state: each exactly when asked for."""
    v = variables(plans(runs, env)["consumer"])
    s = applied(runs, env)
    fn_name = name("function_name", env)
    alarms, handling = v["alarms"], v["failure_handling"] or {}
    mod = "module.function."

    alarm_addresses = {a for a in s if ".aws_cloudwatch_metric_alarm." in a}
    if alarms is None:
        assert alarm_addresses == set() and not any(".aws_sns_topic." in a for a in s)
    else:
        topic = s[f"{mod}aws_sns_topic.alarms[0]"]
        key = s[f"{mod}aws_kms_key.alarms[0]"]
        assert topic["kms_master_key_id"] == key["arn"] and key["enable_key_rotation"] is True
        key_policy = json.loads(key["policy"])
        cw = next(st for st in key_policy["Statement"] if st["Principal"] == {"Service": "cloudwatch.amazonaws.com"})
        assert cw["Condition"] == {"StringEquals": {"aws:SourceAccount": CONSUMER}}
        expected = {k for k in ("errors", "throttles", "duration") if alarms.get(k) is not None}
        assert alarm_addresses == {f'{mod}aws_cloudwatch_metric_alarm.function["{k}"]' for k in expected} | (
            {f"{mod}aws_cloudwatch_metric_alarm.no_successful_run[0]"} if alarms.get("no_successful_run") else set())
        for address in alarm_addresses:
            assert s[address]["alarm_actions"] == [topic["arn"]], address
        if "duration" in expected:
            timeout = (v["function"] or {}).get("timeout") or 30
            d = s[f'{mod}aws_cloudwatch_metric_alarm.function["duration"]']
            assert (d["metric_name"], d["statistic"], d["dimensions"]) == ("Duration", "Maximum", {"FunctionName": fn_name})
            assert d["threshold"] == timeout * 1000 * alarms["duration"]["percent_of_timeout"] / 100
        if alarms.get("no_successful_run"):
            a = s[f"{mod}aws_cloudwatch_metric_alarm.no_successful_run[0]"]
            assert (a["treat_missing_data"], a["comparison_operator"], a["threshold"]) == ("breaching", "LessThanThreshold", 1)
            metrics = {q["id"]: q["metric"][0] for q in a["metric_query"] if q["metric"]}
            assert {k: (m["metric_name"], m["period"], m["stat"]) for k, m in metrics.items()} == {
                "invocations": ("Invocations", alarms["no_successful_run"]["hours"] * 3600, "Sum"),
                "errors": ("Errors", alarms["no_successful_run"]["hours"] * 3600, "Sum")}

    queue = s.get(f"{mod}aws_sqs_queue.dead_letter[0]")
    assert (queue is not None) == (handling.get("dead_letter_queue") is not None)
    schedule = s.get(f"{mod}aws_scheduler_schedule.this[0]")
    retry = handling.get("schedule_retry") or {}
    if schedule:
        target = schedule["target"][0]
        assert target["retry_policy"] == [{"maximum_retry_attempts": retry.get("maximum_retry_attempts", 2),
                                           "maximum_event_age_in_seconds": retry.get("maximum_event_age_seconds", 3600)}]
        assert target["dead_letter_config"] == ([{"arn": queue["arn"]}] if queue else [])
        invoke = json.loads(s[f"{mod}aws_iam_policy.scheduler_invoke[0]"]["policy"])["Statement"]
        assert [st["Action"] for st in invoke] == ["lambda:InvokeFunction"] + (["sqs:SendMessage"] if queue else [])
        if queue:
            assert invoke[1]["Resource"] == queue["arn"]
    if queue:
        assert queue["sqs_managed_sse_enabled"] is True
        assert queue["message_retention_seconds"] == handling["dead_letter_queue"]["retention_seconds"]

    config = s.get(f"{mod}aws_lambda_function_event_invoke_config.this[0]")
    on_failure = s.get(f'{mod}aws_iam_policy.execution["on-failure"]')
    async_invocation = handling.get("async_invocation")
    assert (config is not None) == (async_invocation is not None)
    if config:
        assert (config["maximum_retry_attempts"], config["maximum_event_age_in_seconds"]) == (
            async_invocation["maximum_retry_attempts"], async_invocation["maximum_event_age_seconds"])
        destination = async_invocation.get("on_failure_arn") or queue["arn"]
        assert config["destination_config"] == [{"on_failure": [{"destination": destination}], "on_success": []}]
        assert json.loads(on_failure["policy"])["Statement"] == [{
            "Sid": "OnFailureDestination", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": destination}]
        attached = {a["policy_arn"] for k, a in s.items() if ".aws_iam_role_policy_attachment.execution[" in k}
        assert on_failure["arn"] in attached
    else:
        assert on_failure is None


def test_an_environment_exercises_every_operations_input(runs):
    """So that the test above checks real resources: prod sets every alarm, the dead-letter queue
    and the asynchronous invocation config, on a schedule with tracing Active."""
    v = variables(plans(runs, "prod")["consumer"])
    assert all(v["alarms"][k] is not None for k in ("errors", "throttles", "duration", "no_successful_run"))
    assert v["failure_handling"]["dead_letter_queue"] and v["failure_handling"]["async_invocation"]
    assert v["schedule"] and v["function"]["tracing_mode"] == "Active"
