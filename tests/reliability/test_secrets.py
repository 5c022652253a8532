"""A full scenario with debug logging on, asserting that no credential appears in any log
line or error message.

Credentials checked: the execution role's (what Lambda puts in the environment) and every set the
emulator issued to the function through AssumeRole (captured from the wire by the fault proxy, so
the test knows the exact secrets the function held). The scenario exercises the code paths that log
or report: init and warm-up, every operation, paging with tokens, access denied, a denied
AssumeRole, throttling and connection resets (retries), invalid requests and tokens, a deadline.

The test also proves it could fail: the secrets were really in use (the proxy saw requests signed
with both key ids) and the logs really are at debug level (debug lines of the function present).
"""
import re
import threading
import xml.etree.ElementTree as ET

import pytest

from rel_support import assert_serves
from local.fault_proxy import Delay, Reset, Rule, dynamodb_error, sts_error

STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"

# The function's default (RUST_LOG unset: AWS_LAMBDA_LOG_LEVEL decides), everything at trace, and a
# filter that asks for the SDK's own credential, signing and HTTP traces by name.
LOG_SETTINGS = {
    "lambda-debug": {"AWS_LAMBDA_LOG_LEVEL": "debug", "RUST_LOG": None},
    "rust-log-trace": {"AWS_LAMBDA_LOG_LEVEL": "debug", "RUST_LOG": "trace"},
    "sdk-crates-trace": {"AWS_LAMBDA_LOG_LEVEL": "trace", "RUST_LOG": (
        "trace,aws_config=trace,aws_credential_types=trace,aws_sigv4=trace,aws_runtime=trace,"
        "aws_smithy_runtime=trace,aws_smithy_runtime_api=trace,aws_smithy_http_client=trace,"
        "aws_sdk_sts=trace,aws_sdk_dynamodb=trace,hyper=trace,hyper_util=trace,h2=trace,rustls=trace")},
}


class IssuedCredentials:
    """Collects every credential set AssumeRole returns through the proxy."""

    def __init__(self):
        self.sets: list[dict] = []
        self._lock = threading.Lock()

    def __call__(self, request, status, body):
        if request.action != "sts:AssumeRole" or status != 200:
            return
        creds = ET.fromstring(body).find(f"{STS_NS}AssumeRoleResult/{STS_NS}Credentials")
        with self._lock:
            self.sets.append({k: creds.find(STS_NS + k).text for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")})


def secrets_of(env: dict, issued: IssuedCredentials) -> dict[str, str]:
    """name -> secret value, for every credential the function held."""
    out = {"execution AWS_ACCESS_KEY_ID": env["AWS_ACCESS_KEY_ID"],
           "execution AWS_SECRET_ACCESS_KEY": env["AWS_SECRET_ACCESS_KEY"],
           "execution AWS_SESSION_TOKEN": env["AWS_SESSION_TOKEN"]}
    for i, s in enumerate(issued.sets):
        out.update({f"assumed[{i}] {k}": v for k, v in s.items()})
    return out


def leaks(texts: list[str], secrets: dict[str, str]) -> list[str]:
    """Every (secret name, where) pair: the full value, or a 16-character piece of a long secret
    (a truncated or wrapped secret is still a leak)."""
    found = []
    for name, value in secrets.items():
        probes = {value} | ({value[i:i + 16] for i in range(0, len(value) - 16, 8)} if len(value) > 32 else set())
        for t in texts:
            if any(p in t for p in probes):
                found.append(f"{name} in: {t[:300]}")
                break
    return found


def scenario(fn, proxy, aws):
    """Every path that logs or reports; returns the invocation results."""
    results = []
    run = lambda event, **kw: results.append(fn.invoke(event, **kw)) or results[-1]  # noqa: E731

    r = run({"op": "scan", "table": "orders", "page_size": 7, "limit": 10})
    run({"op": "scan", "table": "orders", "page_size": 7, "limit": 10, "next_token": r["payload"]["next_token"]})
    run({"op": "scan", "table": "bulk", "segments": 4, "page_size": 100, "limit": 300})
    run({"op": "query", "table": "orders", "key_condition": "pk = :pk", "values": {":pk": "customer#001"}})
    run({"op": "query", "table": "orders", "index": "by_status", "key_condition": "#s = :s",
         "names": {"#s": "status"}, "values": {":s": "SHIPPED"}})
    run({"op": "get", "table": "customers", "key": {"pk": "types#binary"}})
    run({"op": "batch_get", "table": "customers", "keys": [{"pk": "customer#001"}, {"pk": "customer#404"}]})
    run({"op": "scan", "table": "orders", "select": "count"})
    # errors: another table (denied), a missing table, bad requests, a forged token
    assert run({"op": "scan", "table": "audit"})["error_type"] == "AccessDenied"
    run({"op": "query", "table": "orders", "key_condition": "total = :t", "values": {":t": 1}})
    run({"op": "scan", "table": "no_such_table"})
    assert run({"op": "scan", "table": "orders", "next_token": "AAAA" + "x" * 40})["error_type"] == "InvalidRequest"
    assert run({"op": "drop", "table": "orders"})["error_type"] == "InvalidRequest"
    # faults: throttling retried, then outlasting the retries mid-scan; resets; a deadline
    proxy.add(Rule("dynamodb:Scan", dynamodb_error("ProvisionedThroughputExceededException"), times=2))
    run({"op": "scan", "table": "orders"})
    proxy.clear()
    proxy.add(Rule("dynamodb:Scan", dynamodb_error("ThrottlingException"), when=lambda r: "ExclusiveStartKey" in r.json))
    run({"op": "scan", "table": "orders", "page_size": 10})
    proxy.clear()
    proxy.add(Rule("dynamodb:Query", Reset(), times=2))
    run({"op": "query", "table": "orders", "key_condition": "pk = :pk", "values": {":pk": "customer#002"}})
    proxy.clear()
    proxy.add(Rule("dynamodb:Scan", Delay(1.5)))
    run({"op": "scan", "table": "orders"}, timeout_s=1.0)
    proxy.clear()
    return results


@pytest.mark.parametrize("setting", sorted(LOG_SETTINGS))
def test_no_credential_in_any_log_line_or_error_message(start_function, aws, proxy, setting):
    issued = IssuedCredentials()
    proxy.on_response = issued
    fn = start_function(endpoint=proxy.endpoint, **LOG_SETTINGS[setting])
    results = scenario(fn, proxy, aws)
    assert_serves(fn, aws)

    # A second process whose AssumeRole is denied: the failure path's messages and logs.
    proxy.add(Rule("sts:AssumeRole", sts_error("AccessDenied", "User is not authorized to perform: sts:AssumeRole", 403)))
    denied = start_function(endpoint=proxy.endpoint, **LOG_SETTINGS[setting])
    results.append(denied.invoke({"op": "scan", "table": "orders"}))
    assert results[-1]["error_type"] == "AssumeRoleFailed"
    proxy.clear()
    fn.stop()
    denied.stop()

    # non-vacuous: the function used exactly these credentials, and debug logging was on
    secrets = secrets_of(fn.env, issued)
    assert issued.sets, "the proxy captured no AssumeRole response"
    signers = {s.access_key_id for s in proxy.seen}
    assert fn.env["AWS_ACCESS_KEY_ID"] in signers and issued.sets[0]["AccessKeyId"] in signers
    lines = [l.text for l in fn.logs + denied.logs]
    levels = {(l.json() or {}).get("level") for l in fn.logs}
    assert "DEBUG" in levels, f"no debug line in {len(lines)} lines (levels {levels})"
    assert any(r["ok"] for r in results) and any(not r["ok"] for r in results)

    messages = [r.get("error_message", "") for r in results] + [r["raw"].decode("utf-8", "replace") for r in results]
    found = leaks(lines, secrets) + leaks(messages, secrets)
    assert not found, "\n".join(found)
    # and no SigV4 Authorization header or signature in any line, whatever the key
    assert not [l for l in lines if re.search(r"Credential=|Signature=|x-amz-security-token", l, re.I)]
    # the SDK and HTTP crates stay capped at INFO even when RUST_LOG asks for their traces by name
    sdk_debug = [l.text for l in fn.logs + denied.logs
                 if (l.json() or {}).get("level") in ("DEBUG", "TRACE")
                 and (l.json() or {}).get("target", "").split("::")[0] in SDK_CRATES]
    assert not sdk_debug, sdk_debug[:3]


SDK_CRATES = {"aws_config", "aws_credential_types", "aws_runtime", "aws_sigv4", "aws_smithy_runtime",
              "aws_smithy_runtime_api", "aws_smithy_http_client", "aws_sdk_sts", "aws_sdk_dynamodb", "hyper",
              "hyper_util", "h2", "rustls"}


def test_the_leak_check_finds_whole_and_partial_secrets():
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN" * 8
    secrets = {"secret": secret, "token": token, "key": "ASIAEXAMPLE000000001"}
    assert leaks([f'{{"message":"signing with {secret}"}}'], secrets) == [f'secret in: {{"message":"signing with {secret}"}}']
    assert leaks([f"...{token[40:90]}..."], secrets)                    # a piece of a token
    assert leaks(["key=ASIAEXAMPLE000000001"], secrets)
    assert not leaks(["ASIAEXAMPLE00000000 is another key", secret[:15]], secrets)
