"""The function under test is the deployed one: its environment is what Lambda holds for the
function Terraform created, and its credentials are those of the execution role Terraform created."""
from local.testing import CONSUMER_ACCOUNT, FUNCTION_NAME


def test_environment_is_the_deployed_functions(fn, aws):
    cfg = aws.client("lambda", account=CONSUMER_ACCOUNT).get_function_configuration(FunctionName=FUNCTION_NAME)
    variables = cfg["Environment"]["Variables"]
    assert variables and {k: fn.env.get(k) for k in variables} == variables
    # What Lambda derives from the function's logging_config.
    assert fn.env["AWS_LAMBDA_LOG_FORMAT"] == cfg["LoggingConfig"]["LogFormat"] == "JSON"
    assert fn.env["AWS_LAMBDA_LOG_LEVEL"] == cfg["LoggingConfig"]["ApplicationLogLevel"]
    assert fn.env["AWS_LAMBDA_FUNCTION_NAME"] == cfg["FunctionName"]


def test_credentials_are_the_execution_roles(fn, aws):
    cfg = aws.client("lambda", account=CONSUMER_ACCOUNT).get_function_configuration(FunctionName=FUNCTION_NAME)
    sts = aws._client("sts", {"access_key_id": fn.env["AWS_ACCESS_KEY_ID"],
                              "secret_access_key": fn.env["AWS_SECRET_ACCESS_KEY"],
                              "session_token": fn.env["AWS_SESSION_TOKEN"]})
    role_name = cfg["Role"].rsplit("/", 1)[1]
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:sts::{CONSUMER_ACCOUNT}:assumed-role/{role_name}/{FUNCTION_NAME}"
    # And that role is the one the main account's role trusts: the function reads through it.
    r = fn.invoke({"op": "scan", "table": "orders", "select": "count"})
    assert r["ok"] and r["payload"]["count"] == len(aws.data("orders")), r
