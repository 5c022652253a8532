"""The gaps of vanilla moto that the strict emulator closes, and its local API. Each test would
fail on vanilla moto 5.2.5 (noted per test) and passes only if the emulator behaves like AWS."""
import json
import re
import urllib.parse
from pathlib import Path
import urllib.request
import urllib.error

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from local.testing import ACCOUNT_TRUST_ROLE, DEMO_ROLE, UNTRUSTED_ROLE

MAIN, CONSUMER = "111111111111", "222222222222"
ROOT = Path(__file__).resolve().parents[2]
ORDERS_KEY = {"pk": {"S": "customer#001"}, "sk": {"S": "order#0001"}}


def code_of(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "OK"


def test_policy_resource_scopes_access_to_the_granted_table(aws):
    """Vanilla moto ignores Resource: a table-scoped Allow matches nothing, so it denied both."""
    read = aws.client("dynamodb", as_role=ACCOUNT_TRUST_ROLE)   # granted `orders` alone
    assert code_of(lambda: read.get_item(TableName="orders", Key=ORDERS_KEY)) == "OK"
    assert code_of(lambda: read.get_item(TableName="customers", Key={"pk": {"S": "customer#001"}})) == "AccessDeniedException"
    assert code_of(lambda: read.scan(TableName="audit")) == "AccessDeniedException"


@pytest.fixture(scope="module")
def table_only_session(aws):
    """TEST-ONLY: a main-account role whose policy names the table ARN but not table/orders/index/*
    (the applied roots always grant index/* too)."""
    iam = aws.client("iam", account=MAIN)
    admin_arn = aws.state["admins"][MAIN]["arn"]
    iam.create_role(RoleName="local-test-table-only", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": admin_arn}}]}))
    iam.put_role_policy(RoleName="local-test-table-only", PolicyName="orders-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:Query"],
                                                "Resource": f"arn:aws:dynamodb:us-east-1:{MAIN}:table/orders"}]}))
    c = aws.client("sts", account=MAIN).assume_role(
        RoleArn=f"arn:aws:iam::{MAIN}:role/local-test-table-only", RoleSessionName="tests")["Credentials"]
    return aws._client("dynamodb", {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
                                    "session_token": c["SessionToken"]})


def test_query_on_an_index_needs_the_index_arn(aws, table_only_session):
    """AWS authorizes Query with IndexName on table/NAME/index/INDEX (vanilla moto: on "*")."""
    q = dict(TableName="orders", ExpressionAttributeValues={":v": {"S": "customer#001"}},
             KeyConditionExpression="pk = :v")
    assert code_of(lambda: table_only_session.query(**q)) == "OK"
    assert code_of(lambda: table_only_session.query(
        IndexName="by_status", **{**q, "KeyConditionExpression": "#s = :v", "ExpressionAttributeNames": {"#s": "status"}})
    ) == "AccessDeniedException"


def test_batch_get_is_authorized_per_table(aws):
    """One table without permission in RequestItems denies the whole BatchGetItem, naming it."""
    read = aws.client("dynamodb", as_role=ACCOUNT_TRUST_ROLE)
    with pytest.raises(ClientError) as denied:
        read.batch_get_item(RequestItems={"orders": {"Keys": [ORDERS_KEY]},
                                          "audit": {"Keys": [{"pk": {"S": "audit#0001"}}]}})
    assert f"table/audit because" in denied.value.response["Error"]["Message"]


def test_assuming_a_role_that_does_not_exist_is_denied(aws):
    """Vanilla moto hands out credentials for any role ARN."""
    sts = aws.client("sts", account=CONSUMER)  # the consumer admin: its identity policy allows "*"
    assert code_of(lambda: sts.assume_role(RoleArn=f"arn:aws:iam::{MAIN}:role/no-such-role",
                                           RoleSessionName="tests")) == "AccessDenied"


def test_missing_table_with_permission_is_resource_not_found(aws):
    admin = aws.client("dynamodb", account=MAIN)
    assert code_of(lambda: admin.scan(TableName="no-such-table")) == "ResourceNotFoundException"


def test_trust_policy_naming_a_missing_role_is_rejected(aws):
    """IAM refuses a trust policy whose principal does not exist yet (why the account-trust form
    with aws:PrincipalArn exists). Vanilla moto accepts it."""
    iam = aws.client("iam", account=MAIN)
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:role/not-created-yet"}}]})
    with pytest.raises(ClientError) as rejected:
        iam.create_role(RoleName="local-test-early-trust", AssumeRolePolicyDocument=doc)
    assert rejected.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert "not-created-yet" in rejected.value.response["Error"]["Message"]
    # Recorded, so that a test of a client that retries this for minutes can stop waiting.
    assert aws.refusals()[-1] == {"action": "iam:CreateRole", "account": MAIN, "resource": "local-test-early-trust",
                                  "reason": rejected.value.response["Error"]["Message"]}


def test_role_chaining_is_limited_to_one_hour(aws):
    """From Lambda (a role session) AssumeRole is role chaining: DurationSeconds > 3600 fails."""
    with pytest.raises(ClientError) as refused:
        aws.assume(ACCOUNT_TRUST_ROLE, DurationSeconds=7200)
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert "role chaining" in refused.value.response["Error"]["Message"]


def _raw(aws, service, creds, body, headers):
    """A signed request whose raw HTTP answer we inspect (what a non-Python SDK parses)."""
    request = AWSRequest(method="POST", url=aws.endpoint + "/", data=body, headers=headers)
    SigV4Auth(Credentials(creds["access_key_id"], creds["secret_access_key"], creds.get("session_token")),
              service, "us-east-1").add_auth(request)
    try:
        with urllib.request.urlopen(urllib.request.Request(
                aws.endpoint + "/", data=body.encode(), headers=dict(request.headers), method="POST")) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def test_dynamodb_denial_has_the_dynamodb_json_shape(aws):
    """Vanilla moto answers an XML 403 the AWS SDK for Rust reports with code() == None."""
    creds = aws.credentials(ACCOUNT_TRUST_ROLE)
    status, headers, body = _raw(aws, "dynamodb", creds, json.dumps({"TableName": "orders", "Item": ORDERS_KEY}),
                                 {"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": "DynamoDB_20120810.PutItem"})
    assert status == 400 and headers["Content-Type"] == "application/x-amz-json-1.0"
    error = json.loads(body)
    assert error["__type"] == "com.amazon.coral.service#AccessDeniedException"
    assert "dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:111111111111:table/orders" in error["Message"]


def test_sts_denial_has_the_aws_query_shape(aws):
    creds = aws.credentials(UNTRUSTED_ROLE)
    body = urllib.parse.urlencode({"Action": "AssumeRole", "Version": "2011-06-15",
                                   "RoleArn": aws.role_arn(DEMO_ROLE),
                                   "RoleSessionName": "raw", "ExternalId": aws.external_id})
    status, _, text = _raw(aws, "sts", creds, body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    assert "<ErrorResponse" in text and "<Error><Type>Sender</Type><Code>AccessDenied</Code>" in text


def test_unknown_credentials_are_unrecognized(aws):
    bad = aws._client("dynamodb", {"access_key_id": "AKIAUNKNOWNUNKNOWN00", "secret_access_key": "x"})
    assert code_of(bad.list_tables) == "UnrecognizedClientException"


# ---- Scan segments, stats, table data -------------------------------------------------------

def _scan_keys(client, **kwargs):
    keys, start = [], None
    while True:
        page = client.scan(TableName="bulk", Limit=250, **kwargs, **({"ExclusiveStartKey": start} if start else {}))
        keys += [item["pk"]["S"] for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            return keys


def test_parallel_scan_segments_return_every_item_exactly_once(aws):
    """moto 5.2.5 honours Segment/TotalSegments; paging inside 4 segments covers the table once."""
    expected = sorted(item["pk"]["S"] for item in aws.data("bulk"))
    assert len(expected) == aws.state["tables"]["bulk"]["item_count"] == 5000
    client = aws.client("dynamodb", as_role=DEMO_ROLE)
    per_segment = [_scan_keys(client, Segment=s, TotalSegments=4) for s in range(4)]
    assert all(per_segment), "every segment should hold some of 5,000 distinct partition keys"
    assert sorted(k for seg in per_segment for k in seg) == expected
    assert sorted(_scan_keys(client)) == expected


def test_stats_count_requests_by_action(aws):
    aws.reset_stats()
    read = aws.assume(ACCOUNT_TRUST_ROLE)                       # 1 sts:AssumeRole
    client = aws._client("dynamodb", read)
    for _ in range(3):
        client.scan(TableName="orders", Limit=1)                # 3 dynamodb:Scan
    code_of(lambda: client.put_item(TableName="orders", Item=ORDERS_KEY))  # denied, still counted
    aws.data("orders")                                          # local API: not counted
    assert aws.stats() == {"sts:AssumeRole": 1, "dynamodb:Scan": 3, "dynamodb:PutItem": 1}
    assert aws.denials()[-1]["action"] == "dynamodb:PutItem"
    aws.reset_stats()
    assert aws.stats() == {}


def test_data_returns_the_seeded_types_exactly(aws):
    items = {item["pk"]["S"]: item for item in aws.data("customers")}
    numbers = items["types#numbers"]
    assert numbers["big_positive"] == {"N": "12345678901234567890123456789012345678"}
    assert numbers["exp_negative"] == {"N": "-2.5E-100"}
    assert items["types#binary"]["bin"] == {"B": "AAECf4D+/2JpbmFyeQ=="}  # bytes 0,1,2,127,128,254,255 + "binary"
    assert items["types#scalars"]["empty_string"] == {"S": ""}


# ---- session expiry and the lifetime knob --------------------------------------------------

@pytest.fixture
def short_sessions(aws):
    """The emulator's test knob: STS sessions last 2 s whatever DurationSeconds asks; reset after."""
    aws.set_session_lifetime(2)
    yield 2
    aws.set_session_lifetime(None)


def _wait_past(expiration: float):
    import time
    time.sleep(max(0.0, expiration - time.time()) + 0.2)


def test_an_expired_session_is_refused_everywhere(aws, short_sessions):
    """Vanilla moto accepts a session forever; AWS refuses it after its Expiration."""
    import time
    aws.reset_stats()
    asked = time.time()
    creds = aws.assume(DEMO_ROLE, DurationSeconds=3600)
    session, = aws.sessions()["sessions"]
    # The knob wins over DurationSeconds, and the Expiration AssumeRole returned says so.
    assert session["role_arn"] == aws.role_arn(DEMO_ROLE) and session["via"] == "sts:AssumeRole"
    assert asked <= session["issued"] and abs(session["expiration"] - session["issued"] - short_sessions) < 0.1
    ddb, sts = aws._client("dynamodb", creds), aws._client("sts", creds)
    assert code_of(lambda: ddb.scan(TableName="orders", Limit=1)) == "OK"
    _wait_past(session["expiration"])
    assert code_of(lambda: ddb.scan(TableName="orders", Limit=1)) == "ExpiredTokenException"
    assert code_of(sts.get_caller_identity) == "ExpiredToken"
    assert aws.sessions()["expired_refusals"] == 2


def test_lambda_credentials_are_the_execution_roles_and_not_shortened(aws, short_sessions):
    """What Lambda hands the deployed function: its execution role (trusting lambda.amazonaws.com),
    a session named after the function, the asked duration even while the knob is set."""
    import time
    from local import deploy
    fn = aws.state["function"]
    url = f"/_local/lambda/{CONSUMER}/us-east-1/{fn['name']}/credentials"
    c = deploy.local_api(aws.endpoint, url, {"duration": 3})
    assert c["RoleArn"] == fn["role_arn"] and 2.5 < c["Expiration"] - time.time() <= 3
    sts = aws._client("sts", {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
                              "session_token": c["SessionToken"]})
    assert sts.get_caller_identity()["Arn"] == (f"arn:aws:sts::{CONSUMER}:assumed-role/"
                                                f"{fn['role_arn'].rsplit('/', 1)[1]}/{fn['name']}")
    _wait_past(c["Expiration"])
    assert code_of(sts.get_caller_identity) == "ExpiredToken"


def test_lambda_credentials_need_a_role_that_trusts_lambda(aws):
    """A function whose role does not trust lambda.amazonaws.com gets no credentials (Lambda itself
    refuses to create it; the emulator's moto does not, so the check is here)."""
    from local import deploy
    lam = aws.client("lambda", account=CONSUMER)
    iam = aws.client("iam", account=CONSUMER)
    arn = iam.create_role(RoleName="local-test-not-lambda", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))["Role"]["Arn"]
    lam.create_function(FunctionName="local-test-not-lambda", Role=arn, Runtime="provided.al2023", Handler="bootstrap",
                        Code={"ZipFile": deploy.LAMBDA_ZIP.read_bytes()})
    with pytest.raises(urllib.error.HTTPError) as refused:
        deploy.local_api(aws.endpoint, f"/_local/lambda/{CONSUMER}/us-east-1/local-test-not-lambda/credentials", {})
    assert refused.value.code == 403 and "lambda.amazonaws.com" in refused.value.read().decode()


@pytest.fixture
def direct_reader(aws):
    """TEST-ONLY: a consumer-account role (assumed by the consumer admin) whose identity policy
    grants GetItem on the main account's `audit` table, and nothing in the main account yet."""
    iam = aws.client("iam", account=CONSUMER)
    admin_arn = aws.state["admins"][CONSUMER]["arn"]
    name = "local-test-direct-reader"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": admin_arn}}]}))
    iam.put_role_policy(RoleName=name, PolicyName="audit", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem"],
                                                "Resource": f"arn:aws:dynamodb:us-east-1:{MAIN}:table/audit"}]}))
    c = aws.client("sts", account=CONSUMER).assume_role(
        RoleArn=f"arn:aws:iam::{CONSUMER}:role/{name}", RoleSessionName="tests")["Credentials"]
    yield f"arn:aws:iam::{CONSUMER}:role/{name}", aws._client("dynamodb", {
        "access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"], "session_token": c["SessionToken"]})
    main = aws.client("dynamodb", account=MAIN)
    try:
        main.delete_resource_policy(ResourceArn=f"arn:aws:dynamodb:us-east-1:{MAIN}:table/audit")
    except ClientError:
        pass
    iam.delete_role_policy(RoleName=name, PolicyName="audit")
    iam.delete_role(RoleName=name)


def test_cross_account_table_by_arn_needs_the_table_policy(aws, direct_reader):
    """A table ARN of another account is served from that account, and only when the table's
    resource policy also allows (vanilla moto looks in the caller's account and ignores it)."""
    role_arn, reader = direct_reader
    table = f"arn:aws:dynamodb:us-east-1:{MAIN}:table/audit"
    key = {"pk": {"S": "audit#0001"}}
    with pytest.raises(ClientError) as denied:
        reader.get_item(TableName=table, Key=key)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    message = denied.value.response["Error"]["Message"]
    assert f"assumed-role/{role_arn.split('/')[-1]}/" in message and "dynamodb:GetItem" in message
    assert table in message and "no resource-based policy allows" in message
    main = aws.client("dynamodb", account=MAIN)
    main.put_resource_policy(ResourceArn=table, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": role_arn},
                                                "Action": ["dynamodb:GetItem", "dynamodb:Scan"], "Resource": table}]}))
    assert code_of(lambda: reader.get_item(TableName=table, Key=key)) == "OK"
    assert "Item" in reader.get_item(TableName=table, Key=key)
    # the table allows Scan, the identity policy does not
    with pytest.raises(ClientError) as denied:
        reader.scan(TableName=table)
    assert "no identity-based policy allows the dynamodb:Scan" in denied.value.response["Error"]["Message"]


def test_table_policy_naming_a_missing_principal_or_too_large_is_rejected(aws):
    """PutResourcePolicy validates principals and the 20 KB limit (vanilla moto stores anything)."""
    main = aws.client("dynamodb", account=MAIN)
    table = f"arn:aws:dynamodb:us-east-1:{MAIN}:table/audit"
    missing = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:role/not-created-yet"},
        "Action": "dynamodb:GetItem", "Resource": table}]}
    with pytest.raises(ClientError) as rejected:
        main.put_resource_policy(ResourceArn=table, Policy=json.dumps(missing))
    assert rejected.value.response["Error"]["Code"] == "ValidationException"
    assert "not-created-yet" in rejected.value.response["Error"]["Message"]
    assert aws.refusals()[-1]["action"] == "dynamodb:PutResourcePolicy" and aws.refusals()[-1]["resource"] == table
    huge = {"Version": "2012-10-17", "Statement": [{
        "Sid": "x" * 21000, "Effect": "Allow", "Principal": {"AWS": aws.state["admins"][MAIN]["arn"]},
        "Action": "dynamodb:GetItem", "Resource": table}]}
    with pytest.raises(ClientError) as rejected:
        main.put_resource_policy(ResourceArn=table, Policy=json.dumps(huge))
    assert "20480" in rejected.value.response["Error"]["Message"]


# ---- what the emulator says it evaluates, against the code's own list -------------------------

def _sentences_saying_not_evaluated(text: str) -> list[str]:
    flat = " ".join(text.split())
    return re.findall(r"(?:[Nn]ot evaluated|Known limits)[^.]*\.", flat)


def test_the_emulators_known_limits_are_its_own_list_and_no_doc_claims_more():
    """aws_emulator.NOT_EVALUATED is the one list: its docstring names exactly those, and no
    Terraform README or the docstring says the emulator skips what it evaluates (tables'
    resource-based policies, PartiQL, ImportTable: each has its tests in this suite)."""
    from local import aws_emulator
    listed = re.search(r"Known limits \(not evaluated, like vanilla moto\): (.*?)\.\n", aws_emulator.__doc__, re.S)
    assert listed, "the docstring's Known limits sentence is gone"
    assert [x.strip() for x in " ".join(listed[1].split()).split(", ")] == list(aws_emulator.NOT_EVALUATED)
    texts = {"local/aws_emulator.py": aws_emulator.__doc__}
    texts.update({str(p.relative_to(ROOT)): p.read_text() for p in (ROOT / "terraform").rglob("README.md")})
    evaluated = re.compile(r"resource[- ]based polic|resource polic|PartiQL|ImportTable|import", re.I)
    for where, text in texts.items():
        for sentence in _sentences_saying_not_evaluated(text):
            assert not evaluated.search(sentence), f"{where}: {sentence}"
