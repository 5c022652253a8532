"""Local two-account AWS emulator: moto 5.2.5 serving STS, IAM and DynamoDB on one port, with IAM
enforced the way AWS enforces it for the STS -> DynamoDB flow of this project.

Why not vanilla moto: with auth on, moto checks only the Action of identity policies (never the
Resource, so a policy scoped to one table denies every table and `Resource: "*"` allows every
table), ignores the trust policy of a role in another account, lets a missing sts:ExternalId pass,
lets anyone assume a role that does not exist, and answers DynamoDB denials with an XML 403 the
AWS SDK for Rust cannot classify. Every one of those would let a test pass where AWS denies.

So for STS, IAM, DynamoDB and DynamoDB Streams this module replaces moto's authorization with its
own policy evaluator (section "Policy evaluation": pure functions, no moto) and hooks it into moto at a few
documented points (section "Patches"). Each patch has a docstring naming the AWS behaviour it
reproduces. Other services keep moto's own (weaker) checks.

The server also answers a small local API (never counted, never authorized; bind to 127.0.0.1):
  GET  /_local/stats                  {"sts:AssumeRole": n, "dynamodb:Scan": m, ...} since last reset
  POST /_local/stats/reset            zero the counters
  GET  /_local/denials                the last 200 denials (principal, action, resource, reason)
  GET  /_local/refusals               the last 200 requests refused as invalid rather than denied
                                      (action, account, resource, reason), e.g. IAM's Invalid principal
  GET  /_local/cloudtrail             since the last stats reset, what CloudTrail would record: every
                                      AssumeRole and DynamoDB call (allowed or denied) with the
                                      caller's session ARN, source identity and session tags
  GET  /_local/dynamodb/ACCOUNT/REGION/TABLE   every item of a table, DynamoDB JSON, sorted by key
  GET  /_local/sts/sessions           every session issued since the last stats reset (key id, role,
                                      issued, expiration) and how many expired tokens were refused
  POST /_local/sts/lifetime           {"seconds": N} or {"seconds": null}: the test knob (below)
  GET/POST /_local/clock             {"offset_seconds": N} or null: the exports' clock knob
                                      (write history, export times; see local/export_emulation.py)
  POST /_local/lambda/ACCOUNT/REGION/FUNCTION/credentials   {"duration": S} (default 43200):
                                      what Lambda hands a function, its execution role's credentials
  GET  /_local/lambda/environments    the warm execution environments of Lambda Invoke (pid, function,
                                      invocations, memory): see local/lambda_invoke.py
Auth is switched like moto's: POST /moto-api/reset-auth with body `0` (on) or `inf` (off).

Session credentials expire at their Expiration, as in AWS (vanilla moto accepts them forever).
Test knob: LOCAL_AWS_SESSION_LIFETIME_SECONDS (environment, at start) or POST /_local/sts/lifetime
makes every STS AssumeRole session last that many seconds whatever DurationSeconds asked for (STS's
own 900 s minimum would make a refresh test take an hour); the Expiration returned says so.

Evaluated beside identity policies: trust policies, permissions boundaries, tables' resource-based
policies (across accounts both sides must allow), KMS key policies of tables' customer-managed keys;
DynamoDB requests on the ARNs AWS authorizes them on (indexes, backups, exports, imports, PartiQL
per statement on the table or index it names, ImportTable on the table it creates), DynamoDB
Streams requests on the stream's ARN (with the stream's own resource-based policy).

Known limits (not evaluated, like vanilla moto): session policies, SCPs, numeric/date condition
operators (fail closed), policy variables.

Run: python local/aws_emulator.py --port 5055   (never set MOTO_ACCOUNT_ID: it pins one account)
"""
from __future__ import annotations

import argparse
import base64
import collections
import datetime
import functools
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

try:  # imported as local.aws_emulator
    from . import export_emulation, lambda_invoke
except ImportError:  # run as a script: local/ is on sys.path
    import export_emulation
    import lambda_invoke

log = logging.getLogger("aws_emulator")

ALLOW, DENY, IMPLICIT = "Allow", "Deny", "Implicit"

# What this emulator does not evaluate (the docstring's "Known limits" lists exactly these, checked
# by tests/iam/test_strict_emulator.py, so the text cannot drift from the code's own account).
NOT_EVALUATED = ("session policies", "SCPs", "numeric/date condition operators (fail closed)", "policy variables")
ROLE_CHAINING_MAX_SECONDS = 3600


# ============================================================================================
# Policy evaluation (pure: JSON policy documents in, decision out)
# ============================================================================================

def _as_list(value):
    return value if isinstance(value, list) else [value]


@functools.lru_cache(maxsize=4096)
def _glob_regex(pattern: str, ignore_case: bool) -> re.Pattern:
    # IAM wildcards: `*` any run of characters, `?` exactly one; everything else is literal.
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _glob_regex(pattern, ignore_case).fullmatch(value) is not None


def arn_like(pattern: str, value: str) -> bool:
    """ArnLike / ArnEquals: the six colon-separated ARN parts are matched one by one."""
    p, v = pattern.split(":", 5), value.split(":", 5)
    return len(p) == len(v) == 6 and all(glob_match(a, b) for a, b in zip(p, v))


# Positive matchers; the "Not" operators are their negation (see _condition).
_MATCHERS = {
    "StringEquals": lambda expected, actual: expected == actual,
    "StringEqualsIgnoreCase": lambda expected, actual: expected.lower() == actual.lower(),
    "StringLike": glob_match,
    "ArnEquals": arn_like,  # AWS treats ArnEquals and ArnLike alike (both take wildcards)
    "ArnLike": arn_like,
    "Bool": lambda expected, actual: str(expected).lower() == str(actual).lower(),
}


class UnsupportedCondition(Exception):
    """An operator this emulator does not evaluate; the caller fails closed."""


def _condition(operator: str, expected: list, actual: list | None) -> bool:
    """One operator/key pair of a Condition block, with AWS's missing-key rules."""
    if operator == "Null":  # {"Null": {"key": "true"}} means: the key is absent
        return (actual is None) == (str(expected[0]).lower() == "true")
    qualifier, _, op = operator.rpartition(":")  # ForAnyValue: / ForAllValues:
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    negated = "Not" in op
    matcher = _MATCHERS.get(op.replace("Not", "", 1))
    if matcher is None or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise UnsupportedCondition(operator)
    if actual is None:
        # A missing key never matches a positive operator, always "matches" a negated one.
        return if_exists or qualifier == "ForAllValues" or negated
    per_value = [any(matcher(str(e), a) for e in expected) != negated for a in actual]
    return all(per_value) if qualifier == "ForAllValues" else any(per_value)


def conditions_match(block: dict, context: dict[str, list[str]]) -> bool:
    """Every operator and every key in a Condition block must hold (keys are case-insensitive)."""
    for operator, pairs in block.items():
        for key, expected in pairs.items():
            if not _condition(operator, _as_list(expected), context.get(key.lower())):
                return False
    return True


@dataclass(frozen=True)
class Caller:
    """Who signed the request, as IAM sees it."""
    arn: str            # printed in AccessDenied: user ARN or assumed-role *session* ARN
    principal_arn: str  # aws:PrincipalArn: the user or *role* ARN (never the session)
    account: str
    kind: str           # "User" | "AssumedRole"
    policies: tuple = ()        # identity-based policy documents (JSON strings)
    boundary: str | None = None  # permissions boundary document, if any

    def context(self) -> dict[str, list[str]]:
        return {"aws:principalarn": [self.principal_arn], "aws:principalaccount": [self.account],
                "aws:principaltype": [self.kind]}


def principal_match(element, caller: Caller) -> str | None:
    """How a resource policy's Principal names the caller: "exact" (its own ARN), "account"
    (account id or :root, i.e. delegated to the account's identity policies) or None."""
    if element == "*":
        return "account"
    aws = element.get("AWS") if isinstance(element, dict) else None  # Service/Federated never match
    if aws is None:
        return None
    root = f":iam::{caller.account}:root"
    for p in _as_list(aws):
        if p in (caller.principal_arn, caller.arn):
            return "exact"
        if p == "*" or p == caller.account or (p.startswith("arn:") and p.endswith(root)):
            return "account"
    return None


def _statement_applies(stmt: dict, action: str, resource: str, context: dict,
                       caller: Caller | None) -> tuple[bool, str | None]:
    """Does this statement cover (action, resource, context)? Also returns how the principal
    matched (resource policies only)."""
    # Action names are case-insensitive in IAM; resources are not.
    if "Action" in stmt:
        listed, covered_if_listed = stmt["Action"], True
    elif "NotAction" in stmt:
        listed, covered_if_listed = stmt["NotAction"], False
    else:
        return False, None
    if any(glob_match(p, action, ignore_case=True) for p in _as_list(listed)) != covered_if_listed:
        return False, None
    # Trust policies carry no Resource: they apply to the role they are attached to.
    if "Resource" in stmt and not any(glob_match(p, resource) for p in _as_list(stmt["Resource"])):
        return False, None
    if "NotResource" in stmt and any(glob_match(p, resource) for p in _as_list(stmt["NotResource"])):
        return False, None
    how = None
    if caller is not None:  # resource-based policy: the statement must name the caller
        how = principal_match(stmt.get("Principal"), caller) if "Principal" in stmt else None
        if "NotPrincipal" in stmt:
            how = None if principal_match(stmt["NotPrincipal"], caller) else "account"
        if how is None:
            return False, None
    try:
        return conditions_match(stmt.get("Condition", {}), context), how
    except UnsupportedCondition as e:
        # Fail closed: an Allow we cannot evaluate does not allow, a Deny we cannot evaluate denies.
        log.warning("unsupported condition operator %s: treated as %s", e,
                    "matching (Deny)" if stmt.get("Effect") == "Deny" else "not matching (Allow)")
        return stmt.get("Effect") == "Deny", how


def evaluate(documents, action: str, resource: str, context: dict,
             caller: Caller | None = None) -> tuple[str, str | None]:
    """AWS policy logic over a set of documents: an explicit Deny wins, else any Allow, else
    implicit deny. `caller` is given for resource-based (trust) policies. Returns (decision,
    strongest principal match of the allowing statements)."""
    decision, how = IMPLICIT, None
    for doc in documents:
        parsed = json.loads(doc) if isinstance(doc, str) else doc
        for stmt in _as_list(parsed.get("Statement", [])):
            applies, matched = _statement_applies(stmt, action, resource, context, caller)
            if not applies:
                continue
            if stmt.get("Effect") == "Deny":
                return DENY, matched
            decision = ALLOW
            how = "exact" if "exact" in (how, matched) else matched
    return decision, how


class Denied(Exception):
    """An authorization failure, with the AWS-style message."""
    def __init__(self, caller_arn: str, action: str, resource: str, reason: str = ""):
        self.action, self.resource, self.caller_arn, self.reason = action, resource, caller_arn, reason
        super().__init__(f"User: {caller_arn} is not authorized to perform: {action} "
                         f"on resource: {resource}{(' ' + reason) if reason else ''}")


def authorize_identity(caller: Caller, action: str, resource: str, context: dict) -> None:
    """Identity-based policies (and the permissions boundary) must allow, none may deny."""
    decision, _ = evaluate(caller.policies, action, resource, context)
    if decision == DENY:
        raise Denied(caller.arn, action, resource, "with an explicit deny in an identity-based policy")
    if decision != ALLOW:
        raise Denied(caller.arn, action, resource,
                     f"because no identity-based policy allows the {action} action")
    if caller.boundary is not None and evaluate([caller.boundary], action, resource, context)[0] != ALLOW:
        raise Denied(caller.arn, action, resource,
                     f"because no permissions boundary allows the {action} action")


def authorize_assume_role(caller: Caller, action: str, role_arn: str, trust_policy: str | None,
                          context: dict) -> None:
    """sts:AssumeRole (and sts:TagSession / sts:SetSourceIdentity) needs BOTH the caller's
    identity policy and the role's trust policy when the role is in another account; in the same
    account a trust policy naming the caller's own ARN is enough. A missing role is a plain
    AccessDenied, exactly like a trust policy that does not match."""
    plain = Denied(caller.arn, action, role_arn)  # AWS gives no reason for trust failures
    if trust_policy is None:
        raise plain
    trust, how = evaluate([trust_policy], action, role_arn, context, caller=caller)
    identity, _ = evaluate(caller.policies, action, role_arn, context)
    same_account = role_arn.split(":")[4] == caller.account
    if identity == DENY:
        raise Denied(caller.arn, action, role_arn, "with an explicit deny in an identity-based policy")
    if identity != ALLOW and not (same_account and trust == ALLOW and how == "exact"):
        raise Denied(caller.arn, action, role_arn,
                     f"because no identity-based policy allows the {action} action")
    if trust != ALLOW:
        raise plain
    if caller.boundary is not None and identity == ALLOW:
        authorize_identity(caller, action, role_arn, context)


def authorize_with_resource_policy(caller: Caller, action: str, resource: str, context: dict,
                                   resource_policy: str | None) -> None:
    """A request on a resource that may carry a resource-based policy (a DynamoDB table).

    Reproduces IAM's evaluation: an explicit Deny in the identity policies or in the resource
    policy wins. Across accounts BOTH must allow (the resource policy naming the caller, its role
    or its account). Within one account either is enough, but a resource policy that names only
    the account (``:root``) delegates to the identity policies and allows nothing by itself. The
    denial says which policy did not allow, the way AWS words it."""
    identity, _ = evaluate(caller.policies, action, resource, context)
    if resource_policy is not None:
        granted, how = evaluate([resource_policy], action, resource, context, caller=caller)
    else:
        granted, how = IMPLICIT, None
    if identity == DENY:
        raise Denied(caller.arn, action, resource, "with an explicit deny in an identity-based policy")
    if granted == DENY:
        raise Denied(caller.arn, action, resource, "with an explicit deny in a resource-based policy")
    parts = resource.split(":")
    same_account = len(parts) < 5 or parts[4] in (caller.account, "")
    if same_account:
        if identity == ALLOW:
            authorize_identity(caller, action, resource, context)  # the boundary still applies
            return
        if granted == ALLOW and how == "exact":
            return
        raise Denied(caller.arn, action, resource,
                     f"because no identity-based policy allows the {action} action")
    if identity != ALLOW:
        raise Denied(caller.arn, action, resource,
                     f"because no identity-based policy allows the {action} action")
    authorize_identity(caller, action, resource, context)
    if granted != ALLOW:
        raise Denied(caller.arn, action, resource,
                     f"because no resource-based policy allows the {action} action")


# ============================================================================================
# Patches (moto internals; pinned to moto 5.2.5)
# ============================================================================================

class Rejected(Exception):
    """A request refused before reaching moto's handler: rendered in the service's error shape."""
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Stats:
    """Request counters by IAM-style action name, plus the recent denials and refusals (what a
    test asserts happened, without waiting for the client's own retries to give up)."""
    def __init__(self):
        self._lock = threading.Lock()
        self._counts: collections.Counter = collections.Counter()
        self.denials: collections.deque = collections.deque(maxlen=200)
        self.refusals: collections.deque = collections.deque(maxlen=200)

    def count(self, action: str) -> None:
        with self._lock:
            self._counts[action] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return dict(sorted(self._counts.items()))

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self.denials.clear()
            self.refusals.clear()


STATS = Stats()


def _auth_enabled() -> bool:
    """moto's on/off switch (POST /moto-api/reset-auth), read the way moto reads it."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin as Mixin
    if Mixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT:
        return True
    Mixin.request_count += 1
    return False


def _managed_policy_document(policy) -> str:
    return next(v.document for v in policy.versions if v.is_default)


def _role_by_arn(role_arn: str):
    """Find a role in ANY account of this server (vanilla moto looks only in the caller's)."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends
    parts = role_arn.split(":")
    if len(parts) < 6 or not re.fullmatch(r"\d{12}", parts[4]):
        return None
    try:
        return iam_backends[parts[4]][parts[1]].get_role_by_arn(role_arn)
    except (NotFoundException, KeyError):  # no such role, or no such partition
        return None


def _identify(handler) -> Caller:
    """Authenticate the request with moto's own signature check and key lookup, then describe
    the caller with its identity policies. Reproduces: unsigned / unknown key / bad signature
    are refused before any authorization."""
    from moto.core.exceptions import InvalidClientTokenIdError, SignatureDoesNotMatchError
    from moto.iam.access_control import AssumedRoleAccessKey, IAMRequest
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    if "Authorization" not in handler.headers:
        raise Rejected(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
    try:
        request = IAMRequest(account_id=handler.current_account, method=handler.method,
                             path=handler.raw_path + (f"?{handler.parsed_url.query}" if handler.parsed_url.query else ""),
                             data=handler.data, body=handler.raw_body, headers=handler.headers,
                             action=handler._get_action())
        request.check_signature()
    except InvalidClientTokenIdError:
        raise Rejected(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    except SignatureDoesNotMatchError:
        raise Rejected(403, "SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature you provided.")
    key = request._access_key
    account, partition = key.account_id, key.partition
    iam = iam_backends[account][partition]
    if isinstance(key, AssumedRoleAccessKey):
        session = sts_backends[account][partition].get_assumed_role_from_access_key(key._access_key_id)
        SESSIONS.refuse_if_expired(session)
        role = _role_by_arn(session.role_arn)
        if role is None:  # the role was deleted after the session was minted
            return Caller(key.arn, session.role_arn, account, "AssumedRole")
        docs = list(role.policies.values()) + [_managed_policy_document(p) for p in role.managed_policies.values()]
        boundary = None
        if role.permissions_boundary_arn:
            boundary = _managed_policy_document(iam.get_policy(role.permissions_boundary_arn))
        return Caller(key.arn, role.arn, account, "AssumedRole", tuple(docs), boundary)
    docs = []
    for p in key.collect_policies():  # user inline + attached + group policies
        docs.append(p["policy_document"] if isinstance(p, dict) else _managed_policy_document(p))
    user = iam.get_user(key._owner_user_name)
    boundary = None
    if getattr(user, "permissions_boundary_arn", None):
        boundary = _managed_policy_document(iam.get_policy(user.permissions_boundary_arn))
    return Caller(key.arn, key.arn, account, "User", tuple(docs), boundary)


def _base_context(handler, caller: Caller) -> dict:
    ctx = caller.context()
    ctx["aws:requestedregion"] = [handler.region]
    return ctx


# ---- DynamoDB -------------------------------------------------------------------------------

_TRANSACT_ACTIONS = {"Get": "GetItem", "Put": "PutItem", "Update": "UpdateItem",
                     "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


# PartiQL: the statement's first keyword -> the IAM action AWS authorizes it as.
_PARTIQL_ACTIONS = {"SELECT": "PartiQLSelect", "INSERT": "PartiQLInsert", "UPDATE": "PartiQLUpdate",
                    "DELETE": "PartiQLDelete"}
# Tokens: a quoted identifier ("" escapes "), a string literal ('' escapes '), a word, anything else.
_PARTIQL_TOKEN = re.compile(r'\s*(?:("(?:[^"]|"")*")|(\'(?:[^\']|\'\')*\')|([A-Za-z_][A-Za-z0-9_]*)|(\S))')
_PARTIQL_SHAPES = 'SELECT ... FROM "table"[."index"], INSERT INTO "table", UPDATE "table" or DELETE FROM "table"'


def _ddb_validation(message: str) -> Rejected:
    return Rejected(400, "ValidationException", message)


def _partiql_tokens(statement: str) -> list[tuple[str, str]]:
    """(kind, text): kind "name" for an identifier (quotes removed), "string", "word" or "other"."""
    out, pos = [], 0
    while pos < len(statement):
        m = _PARTIQL_TOKEN.match(statement, pos)
        if m is None:  # only trailing whitespace is left
            break
        pos = m.end()
        if m[1] is not None:
            out.append(("name", m[1][1:-1].replace('""', '"')))
        elif m[2] is not None:
            out.append(("string", m[2]))
        elif m[3] is not None:
            out.append(("word", m[3]))
        else:
            out.append(("other", m[4]))
    return out


def partiql_target(statement, field: str = "Statement") -> tuple[str, str, str | None]:
    """(IAM action, table name, index name or None) of one PartiQL statement, the way DynamoDB
    authorizes it: SELECT on the table or index after FROM ("t"."i" is index i of table t), INSERT
    INTO, UPDATE and DELETE FROM on the table. Anything else is refused as DynamoDB refuses a
    malformed statement (ValidationException), naming the request field."""
    def refuse(why: str) -> Rejected:
        return _ddb_validation(f"Statement wasn't well formed, can't be processed: {field}: {why}; "
                               f"expected {_PARTIQL_SHAPES}")

    if not isinstance(statement, str) or not statement.strip():
        raise refuse("the statement is missing or empty")
    tokens = _partiql_tokens(statement)
    verb = tokens[0][1].upper() if tokens and tokens[0][0] == "word" else ""
    if verb not in _PARTIQL_ACTIONS:
        raise refuse(f"it starts with {tokens[0][1]!r}" if tokens else "no statement")
    if verb == "SELECT":  # the first FROM outside quotes and strings
        at = next((i + 1 for i, (k, t) in enumerate(tokens) if k == "word" and t.upper() == "FROM"), None)
    elif verb == "UPDATE":
        at = 1
    else:
        keyword = "INTO" if verb == "INSERT" else "FROM"
        at = 2 if len(tokens) > 1 and tokens[1][0] == "word" and tokens[1][1].upper() == keyword else None
        if at is None:
            raise refuse(f"{verb} must be followed by {keyword}")
    if at is None or at >= len(tokens) or tokens[at][0] not in ("name", "word"):
        after = {"SELECT": "FROM", "DELETE": "FROM", "INSERT": "INTO"}.get(verb, verb)
        raise refuse(f"no table name after {after}")
    table, index = tokens[at][1], None
    if tokens[at + 1:at + 2] == [("other", ".")]:
        if len(tokens) <= at + 2 or tokens[at + 2][0] not in ("name", "word"):
            raise refuse(f"no index name after {table!r}.")
        if verb != "SELECT":
            raise refuse(f"{verb} names a table, not an index ({table!r}.{tokens[at + 2][1]!r})")
        index = tokens[at + 2][1]
    return f"dynamodb:{_PARTIQL_ACTIONS[verb]}", table, index


def dynamodb_requests(action: str, params: dict, region: str, account: str) -> list[tuple[str, str]]:
    """The (IAM action, resource ARN) pairs AWS authorizes for one DynamoDB call.

    Reproduces: a table's ARN is arn:aws:dynamodb:REGION:ACCOUNT:table/NAME; Query/Scan with
    IndexName are authorized on table/NAME/index/INDEX (so a policy without index/* denies them);
    Batch* are authorized per table of RequestItems; Transact* are authorized per item with the
    single-item action (Put -> dynamodb:PutItem, ConditionCheck -> dynamodb:ConditionCheckItem);
    PartiQL (ExecuteStatement, and each statement of BatchExecuteStatement / ExecuteTransaction)
    as dynamodb:PartiQLSelect/Insert/Update/Delete on the table or index the statement names;
    ImportTable on the ARN of the table it creates; a backup, export, import or stream on its own
    ARN (table/NAME/backup/ID...); a TableName given as an ARN is used as is. Calls without a
    table (ListTables) use "*"."""
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"

    def arn(table: str, index: str | None = None) -> str:
        base = table if table.startswith("arn:") else f"arn:{partition}:dynamodb:{region}:{account}:table/{table}"
        return f"{base}/index/{index}" if index else base

    def partiql(statement, field: str) -> tuple[str, str]:
        iam_action, table, index = partiql_target(statement, field)
        return iam_action, arn(table, index)

    if action == "ExecuteStatement":
        return [partiql(params.get("Statement"), "Statement")]
    if action in ("BatchExecuteStatement", "ExecuteTransaction"):
        key = "Statements" if action == "BatchExecuteStatement" else "TransactStatements"
        statements = params.get(key)
        if not isinstance(statements, list) or not statements:
            raise _ddb_validation(f"1 validation error detected: Value at '{key[0].lower()}{key[1:]}' failed to satisfy "
                              "constraint: Member must have length greater than or equal to 1")
        return [partiql((s or {}).get("Statement") if isinstance(s, dict) else None, f"{key}[{i}].Statement")
                for i, s in enumerate(statements)]
    if action == "ImportTable":
        name = ((params.get("TableCreationParameters") or {}).get("TableName"))
        if not isinstance(name, str) or not name:
            raise _ddb_validation("1 validation error detected: Value null at 'tableCreationParameters.tableName' "
                              "failed to satisfy constraint: Member must not be null")
        return [("dynamodb:ImportTable", arn(name))]

    if action in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{action}", arn(t)) for t in params.get("RequestItems") or {}] or [(f"dynamodb:{action}", "*")]
    if action in ("TransactGetItems", "TransactWriteItems"):
        out = []
        for item in params.get("TransactItems") or []:
            for kind, op in item.items():
                out.append((f"dynamodb:{_TRANSACT_ACTIONS.get(kind, kind)}", arn(op["TableName"])))
        return out or [(f"dynamodb:{action}", "*")]
    if params.get("TableName"):
        index = params.get("IndexName") if action in ("Query", "Scan") else None
        return [(f"dynamodb:{action}", arn(params["TableName"], index))]
    # DescribeExport: table/NAME/export/ID; DescribeBackup, DeleteBackup: table/NAME/backup/ID;
    # DescribeImport: table/NAME/import/ID.
    for key in ("ResourceArn", "TableArn", "ExportArn", "BackupArn", "ImportArn"):
        if params.get(key):
            return [(f"dynamodb:{action}", params[key])]
    return [(f"dynamodb:{action}", "*")]


def _table_arn_of(resource: str) -> str | None:
    """arn:...:table/NAME for a table, index or stream ARN (where a table's policy is held)."""
    m = re.fullmatch(r"(arn:[\w-]+:dynamodb:[\w-]+:\d{12}:table/[^/]+)(?:/.*)?", resource)
    return m[1] if m else None


def _table_policy(resource: str) -> str | None:
    """The resource-based policy of the table a resource belongs to, in whichever account of
    this server holds the table (moto keeps it in the table account's backend)."""
    from moto.dynamodb.models import dynamodb_backends
    table_arn = _table_arn_of(resource)
    if table_arn is None:
        return None
    _, _, _, region, account, _ = table_arn.split(":", 5)
    try:
        policy = dynamodb_backends[account][region].resource_policies.get(table_arn)
    except KeyError:
        return None
    return policy.policy_doc if policy is not None else None


# ---- KMS: tables encrypted with a customer-managed key ------------------------------------------

# What DynamoDB asks KMS for, on the caller's behalf, per data-plane action on a table encrypted
# with a customer-managed key. Control-plane calls (DescribeTable, CreateTable...) need no key.
KMS_READ_ACTIONS = ("kms:Decrypt",)
KMS_WRITE_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
_KMS_BY_ACTION = {
    **{f"dynamodb:{a}": KMS_READ_ACTIONS for a in ("GetItem", "BatchGetItem", "Query", "Scan", "ConditionCheckItem")},
    **{f"dynamodb:{a}": KMS_WRITE_ACTIONS for a in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")},
}


def table_kms_key(table_arn: str):
    """The customer-managed KMS key (moto Key) a table is encrypted with, or None (no table, the
    AWS owned key, or the AWS managed aws/dynamodb key, whose policy lets DynamoDB serve every
    principal of the account)."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.kms.models import kms_backends
    _, _, _, region, account, rest = table_arn.split(":", 5)
    try:
        table = dynamodb_backends[account][region].tables.get(rest.split("/", 1)[1])
    except KeyError:
        return None
    sse = getattr(table, "sse_specification", None) or {}
    if table is None or not sse.get("KMSMasterKeyId"):
        return None
    key_ref = sse["KMSMasterKeyId"]
    key_account, key_region = (key_ref.split(":")[4], key_ref.split(":")[3]) if key_ref.startswith("arn:") else (account, region)
    try:
        key = kms_backends[key_account][key_region].describe_key(key_ref)
    except Exception:  # a key deleted since: DynamoDB would report the table inaccessible
        return None
    if key.key_manager != "CUSTOMER" or "alias/aws/dynamodb" in getattr(key, "aliases", {}):
        return None
    return key


def authorize_kms_key(caller: Caller, kms_action: str, key, context: dict) -> None:
    """KMS's rule: the key policy is always consulted. It allows by naming the caller (enough in
    the key's account) or by naming the account root (then the caller's identity policy must allow
    too); across accounts both must allow. An explicit Deny in either wins."""
    identity, _ = evaluate(caller.policies, kms_action, key.arn, context)
    granted, how = evaluate([key.policy], kms_action, key.arn, context, caller=caller)
    if DENY in (identity, granted):
        where = "an identity-based policy" if identity == DENY else "the key policy"
        raise Denied(caller.arn, kms_action, key.arn, f"with an explicit deny in {where}")
    if granted != ALLOW:
        raise Denied(caller.arn, kms_action, key.arn, f"because the key policy does not allow the {kms_action} action")
    if how == "exact" and key.account_id == caller.account:
        return
    if identity != ALLOW:
        raise Denied(caller.arn, kms_action, key.arn,
                     f"because no identity-based policy allows the {kms_action} action")
    authorize_identity(caller, kms_action, key.arn, context)  # the boundary still applies


class KmsDenied(Denied):
    """DynamoDB's answer when its KMS call on the caller's behalf is refused: AccessDeniedException
    whose message starts "KMS key access denied error:" (AWS then quotes KMS's own exception, which
    names neither the action nor the key; here the IAM-style sentence that does follows)."""
    def __str__(self) -> str:
        return f"KMS key access denied error: {super().__str__()}"


def authorize_table_keys(caller: Caller, requests: list[tuple[str, str]], context: dict) -> None:
    """Every table of the call that is encrypted with a customer-managed key needs the KMS actions
    of _KMS_BY_ACTION on that key, with kms:ViaService = dynamodb.REGION.amazonaws.com (DynamoDB
    makes the KMS call) and kms:CallerAccount the caller's account."""
    for iam_action, resource in requests:
        table_arn = _table_arn_of(resource)
        kms_actions = _KMS_BY_ACTION.get(iam_action, ())
        if table_arn is None or not kms_actions or (key := table_kms_key(table_arn)) is None:
            continue
        ctx = {**context, "kms:viaservice": [f"dynamodb.{table_arn.split(':')[3]}.amazonaws.com"],
               "kms:calleraccount": [caller.account]}
        for kms_action in kms_actions:
            try:
                authorize_kms_key(caller, kms_action, key, ctx)
            except Denied as d:
                raise KmsDenied(d.caller_arn, d.action, d.resource, d.reason) from None


def _authorize_dynamodb(handler, action: str) -> None:
    """Identity policies, and the table's resource-based policy where the table has one.

    Reproduces: a request naming a table by the ARN of ANOTHER account is served from that
    account's tables (moto would look in the caller's own account), and only when both the
    caller's identity policy and the table's resource policy allow it. One request cannot span
    accounts (AWS answers ValidationException)."""
    caller = _identify(handler)
    handler.local_caller = caller  # an export writes S3 as this caller (export_emulation.py)
    ctx = _base_context(handler, caller)
    requests = list(dict.fromkeys(
        dynamodb_requests(action, getattr(handler, "params", {}) or {}, handler.region, caller.account)))
    accounts = {r.split(":")[4] for _, r in requests if r.startswith("arn:")}
    if len(accounts) > 1:
        raise Rejected(400, "ValidationException", "One request cannot address tables of more than one account")
    for iam_action, resource in requests:
        authorize_with_resource_policy(caller, iam_action, resource, ctx, _table_policy(resource))
    authorize_table_keys(caller, requests, ctx)
    if accounts and (target := accounts.pop()) != caller.account:
        handler.current_account = target  # moto picks the backend by this attribute


def dynamodb_streams_requests(action: str, params: dict) -> list[tuple[str, str]]:
    """The (IAM action, resource ARN) pairs AWS authorizes for one DynamoDB Streams call.

    Reproduces: DescribeStream and GetShardIterator on the stream's ARN
    (table/NAME/stream/LABEL), GetRecords on the stream its shard iterator belongs to (an iterator
    starts with the stream's ARN), ListStreams on "*"."""
    if action == "GetRecords":
        iterator = params.get("ShardIterator")
        stream = iterator.split("|", 1)[0] if isinstance(iterator, str) else ""
        if _table_arn_of(stream) is None or "/stream/" not in stream:
            raise _ddb_validation("Invalid ShardIterator: ShardIterator is not an iterator this service issued")
        return [("dynamodb:GetRecords", stream)]
    if params.get("StreamArn"):
        return [(f"dynamodb:{action}", params["StreamArn"])]
    return [(f"dynamodb:{action}", "*")]


def _stream_policy(resource: str) -> str | None:
    """A stream's own resource-based policy (a table's policy does not cover its stream)."""
    from moto.dynamodb.models import dynamodb_backends
    if _table_arn_of(resource) is None:
        return None
    _, _, _, region, account, _ = resource.split(":", 5)
    try:
        policy = dynamodb_backends[account][region].resource_policies.get(resource)
    except KeyError:
        return None
    return policy.policy_doc if policy is not None else None


def _authorize_dynamodb_streams(handler, action: str) -> None:
    """Identity policies and the stream's resource-based policy, as for tables (_authorize_dynamodb);
    a stream of another account is served from that account's tables."""
    caller = _identify(handler)
    ctx = _base_context(handler, caller)
    body = handler.body
    params = body if isinstance(body, dict) else json.loads(body or "{}")
    requests = dynamodb_streams_requests(action, params)
    for iam_action, resource in requests:
        authorize_with_resource_policy(caller, iam_action, resource, ctx, _stream_policy(resource))
    target = next((r.split(":")[4] for _, r in requests if r.startswith("arn:")), caller.account)
    if target != caller.account:
        handler.current_account = target


def _install_stream_not_found() -> None:
    """Reproduces DynamoDB Streams' answers for a stream that is not the table's current one:
    ResourceNotFoundException (moto fails with an internal error), and for a shard iterator it
    never issued ValidationException "Invalid ShardIterator"."""
    from moto.dynamodb.exceptions import MockValidationException, ResourceNotFoundException
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    def current(self, arn) -> bool:
        table = self.backend.dynamodb.tables.get(arn.split(":", 5)[5].split("/")[1]) if _table_arn_of(arn or "") else None
        return table is not None and bool(table.latest_stream_label) and arn == table.describe(
            base_key="Table")["Table"].get("LatestStreamArn")

    def wrap(original):
        def checked(self):
            arn = self._get_param("StreamArn")
            if not current(self, arn):
                raise ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")
            return original(self)
        return checked

    original_records = DynamoDBStreamsHandler.get_records

    def get_records(self):
        if self._get_param("ShardIterator") not in self.backend.shard_iterators:
            raise MockValidationException("Invalid ShardIterator: ShardIterator is not an iterator this service issued")
        return original_records(self)

    DynamoDBStreamsHandler.describe_stream = wrap(DynamoDBStreamsHandler.describe_stream)
    DynamoDBStreamsHandler.get_shard_iterator = wrap(DynamoDBStreamsHandler.get_shard_iterator)
    DynamoDBStreamsHandler.get_records = get_records


def _dynamodb_error(rejected: Rejected):
    """Reproduces DynamoDB's awsJson1_0 error shape: HTTP 400 and a `__type` the SDKs classify
    (AccessDeniedException, UnrecognizedClientException, ...) instead of moto's IAM-style XML 403."""
    codes = {"AccessDenied": "AccessDeniedException", "InvalidClientTokenId": "UnrecognizedClientException",
             "SignatureDoesNotMatch": "InvalidSignatureException",
             "MissingAuthenticationToken": "MissingAuthenticationTokenException",
             "ExpiredToken": "ExpiredTokenException"}
    code = codes.get(rejected.code, rejected.code)
    message_key = "Message" if code == "AccessDeniedException" else "message"
    body = json.dumps({"__type": f"com.amazon.coral.service#{code}", message_key: rejected.message})
    return 400, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": str(uuid.uuid4()),
                 "x-amzn-ErrorType": code}, body


# ---- STS ------------------------------------------------------------------------------------

_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")


def _validation(message: str) -> Rejected:
    return Rejected(400, "ValidationError", message)


def _assume_role_context(handler, caller: Caller) -> tuple[dict, list[str]]:
    """Condition keys of an AssumeRole request, and the extra actions its parameters require
    (Tags -> sts:TagSession, SourceIdentity -> sts:SetSourceIdentity)."""
    ctx = _base_context(handler, caller)
    actions = ["sts:AssumeRole"]
    session_name = handler._get_param("RoleSessionName") or ""
    if not _SESSION_NAME.fullmatch(session_name):
        raise _validation(f"1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to "
                          "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* "
                          "and have length between 2 and 64")
    ctx["sts:rolesessionname"] = [session_name]
    external_id = handler._get_param("ExternalId")
    if external_id is not None:
        if not _EXTERNAL_ID.fullmatch(external_id):
            raise _validation(f"1 validation error detected: Value '{external_id}' at 'externalId' failed to "
                              "satisfy constraint: Member must satisfy regular expression pattern: "
                              "[\\w+=,.@:\\/-]* and have length between 2 and 1224")
        ctx["sts:externalid"] = [external_id]
    tags = handler._get_param("Tags") or []
    if tags:
        actions.append("sts:TagSession")
        ctx["aws:tagkeys"] = [t["Key"] for t in tags]
        for t in tags:
            ctx[f"aws:requesttag/{t['Key'].lower()}"] = [t["Value"]]
    source_identity = handler._get_param("SourceIdentity")
    if source_identity:
        actions.append("sts:SetSourceIdentity")
        ctx["sts:sourceidentity"] = [source_identity]
    return ctx, actions


def _authorize_sts(handler, action: str) -> None:
    """Reproduces: GetCallerIdentity needs no permission; AssumeRole is authorized against the
    target role's ARN in ANY account (identity policy AND trust policy, see authorize_assume_role),
    including trust conditions on sts:ExternalId (missing ExternalId fails), aws:PrincipalArn
    (the caller's role ARN, not its session ARN), sts:RoleSessionName and request tags; the
    session-name/ExternalId format rules; DurationSeconds limits (900 s minimum, the role's
    MaxSessionDuration, and 1 hour when a role session assumes a role: role chaining)."""
    caller = _identify(handler)
    if action == "GetCallerIdentity":
        return
    if action != "AssumeRole":
        authorize_identity(caller, f"sts:{action}", "*", _base_context(handler, caller))
        return
    role_arn = handler._get_param("RoleArn") or ""
    ctx, actions = _assume_role_context(handler, caller)
    role = _role_by_arn(role_arn)
    for iam_action in actions:
        authorize_assume_role(caller, iam_action, role_arn,
                              role.assume_role_policy_document if role else None, ctx)
    duration = int(handler._get_param("DurationSeconds") or 3600)
    if duration < 900:
        raise _validation(f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
                          "satisfy constraint: Member must have value greater than or equal to 900")
    if caller.kind == "AssumedRole" and duration > ROLE_CHAINING_MAX_SECONDS:
        raise _validation("The requested DurationSeconds exceeds the 1 hour session limit for roles "
                          "assumed by role chaining.")
    if duration > int(role.max_session_duration or 3600):
        raise _validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")


# ---- CloudTrail: who read the data ----------------------------------------------------------

class CloudTrail:
    """What the accounts' CloudTrail would record for the calls this project makes, so a test can
    check that the main account sees WHICH consumer read its data.

    Reproduces: an AssumeRole event (management event, in the role's account) carries the request's
    roleSessionName, sourceIdentity and tags; a DynamoDB data event (in the table's account) names
    the caller as userIdentity.arn (the role *session* ARN), the role as sessionIssuer, and the
    session's sourceIdentity in userIdentity.sessionContext, as AWS does for every call a session
    makes. CloudTrail does not repeat the session tags on data events; `principalTags` (not an AWS
    field) gives them here so a test need not join the two. A denied call is recorded too, with
    errorCode AccessDenied."""

    def __init__(self):
        self._lock = threading.Lock()
        self.events: collections.deque = collections.deque(maxlen=5000)
        # access key id -> {"source_identity", "tags"}, the newest 20,000 sessions (oldest dropped)
        self.sessions: collections.OrderedDict[str, dict] = collections.OrderedDict()
        self._pending = threading.local()   # the AssumeRole being served on this thread

    def record(self, event: dict) -> None:
        event = {"eventVersion": "1.09", "eventTime": datetime.datetime.now(datetime.timezone.utc)
                 .strftime("%Y-%m-%dT%H:%M:%SZ"), **event}
        with self._lock:
            self.events.append(event)

    def user_identity(self, caller: Caller, access_key_id: str | None) -> dict:
        identity = {"type": caller.kind, "arn": caller.arn, "accountId": caller.account,
                    "accessKeyId": access_key_id}
        session = self.sessions.get(access_key_id or "", {})
        if caller.kind == "AssumedRole":
            identity["sessionContext"] = {"sessionIssuer": {"type": "Role", "arn": caller.principal_arn,
                                                            "accountId": caller.account}}
            if session.get("source_identity"):
                identity["sessionContext"]["sourceIdentity"] = session["source_identity"]
        return identity

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self.events)

    def reset(self) -> None:
        with self._lock:
            self.events.clear()


CLOUDTRAIL = CloudTrail()


def _access_key_of(handler) -> str | None:
    m = re.search(r"Credential=([A-Z0-9]+)/", handler.headers.get("Authorization", ""))
    return m[1] if m else None


def _assume_role_request(handler) -> dict:
    tags = handler._get_param("Tags") or []
    params = {"roleArn": handler._get_param("RoleArn"), "roleSessionName": handler._get_param("RoleSessionName"),
              "durationSeconds": handler._get_param("DurationSeconds")}
    if handler._get_param("SourceIdentity"):
        params["sourceIdentity"] = handler._get_param("SourceIdentity")
    if tags:
        params["tags"] = [{"key": t["Key"], "value": t["Value"]} for t in tags]
    return params


def _authorize_sts_recorded(handler, action: str) -> None:
    """_authorize_sts, recording AssumeRole as CloudTrail would (in the role's account). The
    caller is identified again only after _authorize_sts did so without refusing (so an expired
    token is refused, and counted, once)."""
    if action != "AssumeRole":
        return _authorize_sts(handler, action)
    params = _assume_role_request(handler)
    event = {"eventSource": "sts.amazonaws.com", "eventName": "AssumeRole", "awsRegion": handler.region,
             "recipientAccountId": ((params["roleArn"] or "") + "::::").split(":")[4], "requestParameters": params}
    try:
        _authorize_sts(handler, action)
    except Denied:
        CLOUDTRAIL.record({**event, "userIdentity": CLOUDTRAIL.user_identity(_identify(handler), _access_key_of(handler)),
                           "errorCode": "AccessDenied"})
        raise
    except Rejected as r:
        CLOUDTRAIL.record({**event, "errorCode": r.code})
        raise
    CLOUDTRAIL.record({**event, "userIdentity": CLOUDTRAIL.user_identity(_identify(handler), _access_key_of(handler))})
    CLOUDTRAIL._pending.value = {"source_identity": params.get("sourceIdentity"),
                                 "tags": {t["key"]: t["value"] for t in params.get("tags", [])}}


def _authorize_dynamodb_recorded(handler, action: str) -> None:
    """_authorize_dynamodb, recording the call as the table account's CloudTrail would. The
    caller is identified in the account it signed for (_authorize_dynamodb may point the handler
    at the table's account)."""
    signed_for = handler.current_account

    def event(error: str | None) -> dict:
        target, handler.current_account = handler.current_account, signed_for
        try:
            caller, key = _identify(handler), _access_key_of(handler)
        finally:
            handler.current_account = target
        params = getattr(handler, "params", {}) or {}
        tables = sorted({r for _, r in dynamodb_requests(action, params, handler.region, caller.account)})
        accounts = {r.split(":")[4] for r in tables if r.startswith("arn:")}
        out = {"eventSource": "dynamodb.amazonaws.com", "eventName": action, "awsRegion": handler.region,
               "recipientAccountId": accounts.pop() if len(accounts) == 1 else caller.account,
               "userIdentity": CLOUDTRAIL.user_identity(caller, key),
               "principalTags": CLOUDTRAIL.sessions.get(key or "", {}).get("tags", {}),
               "resources": [{"type": "AWS::DynamoDB::Table", "ARN": r} for r in tables]}
        return {**out, "errorCode": error} if error else out
    try:
        _authorize_dynamodb(handler, action)
    except Denied:
        CLOUDTRAIL.record(event("AccessDenied"))
        raise
    CLOUDTRAIL.record(event(None))


def _install_cloudtrail() -> None:
    """Binds the SourceIdentity and tags of an allowed AssumeRole to the session it mints (moto
    keeps neither), so later calls with its credentials carry them."""
    from moto.sts.models import STSBackend
    original = STSBackend.assume_role

    def assume_role(self, *args, **kwargs):
        session = original(self, *args, **kwargs)
        pending = getattr(CLOUDTRAIL._pending, "value", None)
        CLOUDTRAIL._pending.value = None
        if pending is not None:
            with CLOUDTRAIL._lock:
                CLOUDTRAIL.sessions[session.access_key_id] = pending
                while len(CLOUDTRAIL.sessions) > 20000:
                    CLOUDTRAIL.sessions.popitem(last=False)
        return session

    STSBackend.assume_role = assume_role


# ---- Session lifetimes (expiry, the test knob, Lambda-like execution credentials) ------------

class Sessions:
    """Every session credential issued, the lifetime knob, and expiry.

    Reproduces: a request signed with a session whose Expiration has passed is refused with
    ExpiredToken (STS/IAM) / ExpiredTokenException (DynamoDB) before any authorization; a client
    must refresh in time. The record lets a test count and time refreshes (GET /_local/sts/sessions)."""

    def __init__(self, lifetime: int | None = None):
        self._lock = threading.Lock()
        self.lifetime = lifetime          # seconds, overrides DurationSeconds of STS AssumeRole
        self.issued: collections.deque = collections.deque(maxlen=5000)
        self.expired_refusals = 0

    def record(self, session, via: str) -> None:
        with self._lock:
            self.issued.append({"via": via, "access_key_id": session.access_key_id, "role_arn": session.role_arn,
                                "session_name": session.session_name, "issued": time.time(),
                                "expiration": _epoch(session.expiration)})

    def refuse_if_expired(self, session) -> None:
        if session is not None and _epoch(session.expiration) <= time.time():
            with self._lock:
                self.expired_refusals += 1
            raise Rejected(400, "ExpiredToken", "The security token included in the request is expired")

    def snapshot(self) -> dict:
        with self._lock:
            return {"lifetime_seconds": self.lifetime, "expired_refusals": self.expired_refusals,
                    "sessions": list(self.issued)}

    def reset(self) -> None:
        with self._lock:
            self.issued.clear()
            self.expired_refusals = 0


def _epoch(moto_time) -> float:
    """moto keeps expirations as naive UTC datetimes."""
    return moto_time.replace(tzinfo=datetime.timezone.utc).timestamp()


def _lifetime_from_env() -> int | None:
    value = os.environ.get("LOCAL_AWS_SESSION_LIFETIME_SECONDS")
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        sys.exit(f"aws_emulator: LOCAL_AWS_SESSION_LIFETIME_SECONDS must be a positive integer, got {value!r}")
    return int(value)


SESSIONS = Sessions(_lifetime_from_env())


def _install_session_lifetimes() -> None:
    """STS AssumeRole sessions get the knob's lifetime when it is set, and are recorded."""
    from moto.sts.models import STSBackend
    original = STSBackend.assume_role

    def assume_role(self, *args, **kwargs):
        if SESSIONS.lifetime is not None:
            kwargs["duration"] = SESSIONS.lifetime
        session = original(self, *args, **kwargs)
        SESSIONS.record(session, "sts:AssumeRole")
        return session

    STSBackend.assume_role = assume_role
    STSBackend.assume_role_as_requested = original  # for Lambda-like credentials: never shortened


def service_may_assume(trust_policy: str, service: str, role_arn: str, context: dict) -> bool:
    """Does the trust policy let an AWS service principal (e.g. lambda.amazonaws.com) assume the role?"""
    decision = IMPLICIT
    for stmt in _as_list(json.loads(trust_policy).get("Statement", [])):
        principal = stmt.get("Principal")
        if not isinstance(principal, dict) or service not in _as_list(principal.get("Service", [])):
            continue
        if _statement_applies(stmt, "sts:AssumeRole", role_arn, context, None)[0]:
            if stmt.get("Effect") == "Deny":
                return False
            decision = ALLOW
    return decision == ALLOW


def lambda_credentials(account: str, region: str, function: str, duration: int) -> dict:
    """What Lambda gives a function: credentials of its execution role, in a session named after the
    function, issued only when the role's trust policy allows lambda.amazonaws.com (as Lambda
    requires). Not shortened by the knob: Lambda refreshes them itself, the function cannot."""
    from moto.awslambda.models import lambda_backends
    from moto.sts.models import STSBackend, sts_backends
    fn = lambda_backends[account][region].get_function(function)
    role = _role_by_arn(fn.role)
    function_arn = f"arn:aws:lambda:{region}:{account}:function:{function}"
    if role is None or not service_may_assume(role.assume_role_policy_document, "lambda.amazonaws.com", role.arn,
                                              {"aws:sourceaccount": [account], "aws:sourcearn": [function_arn]}):
        raise Rejected(403, "AccessDenied", f"Lambda cannot assume the execution role {fn.role} of {function}: "
                                            "its trust policy does not allow lambda.amazonaws.com")
    session = STSBackend.assume_role_as_requested(
        sts_backends[account]["aws"], region_name=region, role_session_name=function, role_arn=role.arn,
        policy=None, duration=duration, external_id=None)
    SESSIONS.record(session, "lambda")
    return {"AccessKeyId": session.access_key_id, "SecretAccessKey": session.secret_access_key,
            "SessionToken": session.session_token, "Expiration": _epoch(session.expiration), "RoleArn": role.arn}


# ---- IAM ------------------------------------------------------------------------------------

def _authorize_iam(handler, action: str) -> None:
    """IAM API calls are authorized on the entity's ARN (role/NAME, user/NAME, the policy ARN)."""
    caller = _identify(handler)
    account = caller.account
    resource = "*"
    if handler._get_param("RoleName"):
        role = None
        try:
            from moto.iam.models import iam_backends
            role = iam_backends[account]["aws"].get_role(handler._get_param("RoleName"))
        except Exception:  # not there (yet): AWS still authorizes on the would-be ARN
            pass
        resource = role.arn if role else f"arn:aws:iam::{account}:role/{handler._get_param('RoleName')}"
    elif handler._get_param("PolicyArn"):
        resource = handler._get_param("PolicyArn")
    elif handler._get_param("UserName"):
        resource = f"arn:aws:iam::{account}:user/{handler._get_param('UserName')}"
    elif action == "CreatePolicy" and handler._get_param("PolicyName"):
        resource = f"arn:aws:iam::{account}:policy{handler._get_param('Path') or '/'}{handler._get_param('PolicyName')}"
    authorize_identity(caller, f"iam:{action}", resource, _base_context(handler, caller))


def _query_error(namespace: str):
    def render(rejected: Rejected):
        """Reproduces the awsQuery error shape ErrorResponse/Error/Code (moto nests it under
        Errors/, which the AWS SDK for Rust reads as code() == None)."""
        body = (f'<ErrorResponse xmlns="{namespace}"><Error><Type>Sender</Type>'
                f"<Code>{escape(rejected.code)}</Code><Message>{escape(rejected.message)}</Message>"
                f"</Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
        return rejected.status, {"Content-Type": "text/xml"}, body
    return render


def _principals_must_exist(policy_document: str) -> None:
    """Reproduces IAM's MalformedPolicyDocument "Invalid principal in policy" when a trust policy
    names a role or user that does not exist (yet). This is why the main account's module also
    offers trusting the consumer ACCOUNT with an aws:PrincipalArn condition: then the two
    accounts can be applied in either order."""
    from moto.iam.exceptions import MalformedPolicyDocument
    from moto.iam.models import iam_backends
    from moto.iam.exceptions import NotFoundException
    for stmt in _as_list(json.loads(policy_document).get("Statement", [])):
        principal = stmt.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else None
        for p in _as_list(aws) if aws else []:
            m = re.fullmatch(r"arn:([\w-]+):iam::(\d{12}):(role|user)/(?:.*/)?([^/]+)", p)
            if not m:
                continue
            backend = iam_backends[m[2]][m[1]]
            try:
                if m[3] == "role":
                    backend.get_role_by_arn(p)
                else:
                    backend.get_user(m[4])
            except NotFoundException:
                raise MalformedPolicyDocument(f'Invalid principal in policy: "AWS":"{p}"')


def _principals_checked(action: str, account: str, resource: str, policy_document: str) -> None:
    """_principals_must_exist, and a refusal recorded (GET /_local/refusals) before it is raised."""
    from moto.iam.exceptions import MalformedPolicyDocument
    try:
        _principals_must_exist(policy_document)
    except MalformedPolicyDocument as e:
        STATS.refusals.append({"action": action, "account": account, "resource": resource, "reason": e.message})
        log.info("REFUSE %s %s: %s", action, resource, e.message)
        raise


def _install_principal_validation() -> None:
    from moto.iam.models import IAMBackend
    create_role, update = IAMBackend.create_role, IAMBackend.update_assume_role_policy

    def checked_create_role(self, role_name, assume_role_policy_document, *args, **kwargs):
        _principals_checked("iam:CreateRole", self.account_id, role_name, assume_role_policy_document)
        return create_role(self, role_name, assume_role_policy_document, *args, **kwargs)

    def checked_update(self, role_name, policy_document):
        _principals_checked("iam:UpdateAssumeRolePolicy", self.account_id, role_name, policy_document)
        return update(self, role_name, policy_document)

    IAMBackend.create_role, IAMBackend.update_assume_role_policy = checked_create_role, checked_update


RESOURCE_POLICY_MAX_BYTES = 20 * 1024


def _install_resource_policy_validation() -> None:
    """Reproduces DynamoDB's PutResourcePolicy checks: at most 20 KB, and every IAM principal it
    names must exist when it is written (as for a role's trust policy: the apply order matters)."""
    from moto.dynamodb.exceptions import MockValidationException
    from moto.dynamodb.models import DynamoDBBackend
    from moto.iam.exceptions import MalformedPolicyDocument
    put = DynamoDBBackend.put_resource_policy

    def checked_put(self, resource_arn, policy_doc, *args, **kwargs):
        if len(policy_doc.encode()) > RESOURCE_POLICY_MAX_BYTES:
            raise MockValidationException(
                f"Resource-based policy exceeds the maximum size of {RESOURCE_POLICY_MAX_BYTES} bytes")
        try:
            _principals_checked("dynamodb:PutResourcePolicy", self.account_id, resource_arn, policy_doc)
        except MalformedPolicyDocument as e:
            raise MockValidationException(e.message)
        return put(self, resource_arn, policy_doc, *args, **kwargs)

    DynamoDBBackend.put_resource_policy = checked_put


def _install_bodyless_signature_check() -> None:
    """Reproduces: a request without a body (Lambda GetFunction / ListFunctions, every GET) is
    signed over the empty payload. moto 5.2.5 hashes the parsed query parameters as if they were
    the body, so with auth on it refuses every such request with SignatureDoesNotMatch (Terraform's
    Lambda resources could not be applied by an authenticated deployer)."""
    from botocore.awsrequest import AWSRequest
    from moto.iam.access_control import IAMRequestBase

    def create_aws_request(self):
        signed = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"]).split(";")
        headers = self._create_headers_for_aws_request(signed, self._headers)
        body = self._body if self._body or self._method in ("GET", "HEAD", "DELETE") else self._data
        request = AWSRequest(method=self._method, url=self._path, data=body, headers=headers)
        request.context["timestamp"] = headers["X-Amz-Date"]
        return request

    IAMRequestBase._create_aws_request = create_aws_request


def _install_fast_table_order() -> None:
    """Performance only, same order as moto: every Scan page sorts the whole table, and moto's
    sort compares DynamoType objects (a Decimal/str conversion per comparison, ~370k per 5,000-item
    scan). Sorting on the key values computed once per item gives the identical order, faster.

    Parallel scan needs no patch: moto 5.2.5 honours Segment/TotalSegments (an item's segment is a
    stable md5 of its partition key), so following LastEvaluatedKey in each of N segments returns
    every item exactly once (tests/iam/test_strict_emulator.py checks it on the 5,000-item table)."""
    from moto.dynamodb.models.table import Table

    def all_items(self):
        items = [item for group in self.items.values()
                 for item in (group.values() if self.range_key_attr else [group])]
        if self.range_key_attr:
            return sorted(items, key=lambda i: (i.hash_key.cast_value, i.range_key.cast_value))
        return sorted(items, key=lambda i: i.hash_key.cast_value)

    Table.all_items = all_items


FAST_JSON_ACTIONS = ("GetItem", "BatchGetItem", "Query", "Scan")
FAST_JSON = True  # a switch so tests can compare the fast path with moto's serializer


def wire_json(value):
    """A DynamoDB result as the awsJson wire shows it: blobs base64, absent (None) members dropped."""
    if isinstance(value, dict):
        return {k: wire_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [wire_json(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _install_fast_item_json() -> None:
    """Performance only, same JSON as moto: moto serializes responses by walking the service
    model member by member (~0.7 ms per item: a 5,000-item page took over a second). Item-reading
    results are plain AttributeValue JSON, so they are dumped directly; tests/iam/test_policy_eval.py
    checks the output equals moto's serializer on every seeded item."""
    from moto.dynamodb.responses import DynamoHandler, DynamoResult
    original = DynamoHandler.serialized

    def serialized(self, action_result):
        if not FAST_JSON or type(action_result) is not DynamoResult or self._get_action() not in FAST_JSON_ACTIONS:
            return original(self, action_result)
        headers = {"Content-Type": "application/x-amz-json-1.0", **self.response_headers}
        return 200, headers, json.dumps(wire_json(action_result.result))

    DynamoHandler.serialized = serialized


# ---- DynamoDB behaviour the write tests need and moto 5.2.5 lacks --------------------------------

TRANSACT_TOKEN_SECONDS = 600  # how long AWS remembers a TransactWriteItems ClientRequestToken


def _install_transact_idempotency() -> None:
    """Reproduces TransactWriteItems' ClientRequestToken, which moto ignores (it writes again):
    for 10 minutes after a successful call, the same token with the same TransactItems succeeds
    without writing anything, and the same token with other TransactItems is an
    IdempotentParameterMismatchException. A cancelled transaction is not remembered, as in AWS (a
    retry runs it again). Per account and region; IAM is checked on every call before this runs
    (tests/integration/test_writes.py checks it through the function)."""
    from moto.dynamodb.exceptions import DynamodbException
    from moto.dynamodb.responses import DynamoHandler
    original = DynamoHandler.transact_write_items
    remembered: dict[tuple, tuple[str, float, object]] = {}
    lock = threading.Lock()

    def transact_write_items(self):
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        key = (self.current_account, self.region, token)
        items = json.dumps(self.body.get("TransactItems"), sort_keys=True)
        with lock:  # one transaction per token at a time, like AWS's TransactionInProgress
            now = time.time()
            prior = remembered.get(key)
            if prior and now - prior[1] < TRANSACT_TOKEN_SECONDS:
                if prior[0] != items:
                    raise DynamodbException(
                        "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                        "The request uses the same client token as a previous, but non-identical request.")
                return prior[2]
            result = _with_transact_capacity(self.body, original(self))
            remembered[key] = (items, now, result)
            return result

    def transact_without_token(self):
        return _with_transact_capacity(self.body, original(self))

    def dispatch(self):
        return transact_write_items(self) if self.body.get("ClientRequestToken") else transact_without_token(self)

    DynamoHandler.transact_write_items = dispatch


def _with_transact_capacity(body: dict, result):
    """moto answers TransactWriteItems with an empty ConsumedCapacity whatever was asked; AWS
    reports it per table, and a transaction writes each item twice (prepare and commit): 2 write
    units per action of up to 1 KB, which is what is reported here."""
    if body.get("ReturnConsumedCapacity") not in ("TOTAL", "INDEXES") or result.result.get("ConsumedCapacity"):
        return result
    per_table: dict[str, float] = collections.Counter()
    for action in body.get("TransactItems") or []:
        for op in action.values():
            per_table[op["TableName"]] += 2.0
    result.result["ConsumedCapacity"] = [{"TableName": t, "CapacityUnits": units} for t, units in per_table.items()]
    return result


def _install_batch_write_key_check() -> None:
    """Reproduces BatchWriteItem's key check, which moto skips for DeleteRequest: a key must hold
    exactly the table's key attributes, or the whole call is a ValidationException "The provided
    key element does not match the schema" (as DeleteItem already is in moto)."""
    from moto.dynamodb.exceptions import MockValidationException
    from moto.dynamodb.responses import DynamoHandler
    original = DynamoHandler.batch_write_item

    def batch_write_item(self):
        for table_name, requests in (self.body.get("RequestItems") or {}).items():
            table = self.dynamodb_backend.get_table(table_name)
            schema = {table.hash_key_attr} | ({table.range_key_attr} if table.range_key_attr else set())
            for request in requests:
                key = (request.get("DeleteRequest") or {}).get("Key")
                if key is not None and set(key) != schema:
                    raise MockValidationException("The provided key element does not match the schema")
        return original(self)

    DynamoHandler.batch_write_item = batch_write_item


def _install_import_into_existing_table_check() -> None:
    """Reproduces ImportTable's refusal of a table name that already exists: ResourceInUseException
    before any import starts (moto would start an import job that creates the table anew)."""
    from moto.dynamodb.exceptions import ResourceInUseException
    from moto.dynamodb.responses import DynamoHandler
    original = DynamoHandler.import_table

    def import_table(self):
        name = (self.body.get("TableCreationParameters") or {}).get("TableName")
        if name and name in self.dynamodb_backend.tables:
            raise ResourceInUseException(f"Table already exists: {name}")
        return original(self)

    DynamoHandler.import_table = import_table


# ---- What the Terraform roots use and moto 5.2.5 lacks ----------------------------------------

def _install_lambda_logging_config() -> None:
    """Reproduces Lambda's LoggingConfig (advanced logging controls), which moto drops: the
    consumer root sets log format, log group and levels, and the aws provider reads them back,
    so without it a re-plan after apply is never empty. Defaults as Lambda answers them: Text
    format and the /aws/lambda/NAME group; with JSON, INFO for both levels when not given."""
    from moto.awslambda.models import LambdaFunction
    init, get_configuration, update = (LambdaFunction.__init__, LambdaFunction.get_configuration,
                                       LambdaFunction.update_configuration)

    def logging_config(fn, given: dict | None) -> dict:
        config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{fn.function_name}", **(given or {})}
        if config["LogFormat"] == "JSON":
            config.setdefault("ApplicationLogLevel", "INFO")
            config.setdefault("SystemLogLevel", "INFO")
        else:  # Lambda keeps levels only for JSON logs
            config.pop("ApplicationLogLevel", None)
            config.pop("SystemLogLevel", None)
        return config

    def patched_init(self, account_id, spec, region, *args, **kwargs):
        init(self, account_id, spec, region, *args, **kwargs)
        self.logging_config = logging_config(self, spec.get("LoggingConfig"))

    def patched_get_configuration(self, *args, **kwargs):
        config = get_configuration(self, *args, **kwargs)
        config["LoggingConfig"] = getattr(self, "logging_config", None) or logging_config(self, None)
        return config

    def patched_update(self, config_updates):
        if "LoggingConfig" in config_updates:
            self.logging_config = logging_config(self, config_updates["LoggingConfig"])
        return update(self, config_updates)

    LambdaFunction.__init__ = patched_init
    LambdaFunction.get_configuration = patched_get_configuration
    LambdaFunction.update_configuration = patched_update


def _install_aws_managed_policies_on_demand() -> None:
    """Makes AWS-managed policies (arn:aws:iam::aws:policy/...) attachable, as in AWS (earlier
    consumer roots attached AWSXRayDaemonWriteAccess when tracing was Active; an upgrade from
    such a state detaches it). moto knows them only
    with MOTO_IAM_LOAD_MANAGED_POLICIES=true, which loads ~1,300 policies into every account and
    lists them in ListPolicies; this loads just the one asked for, from moto's own copy, the first
    time an account attaches or reads it."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, IAMBackend

    @functools.lru_cache(maxsize=1)
    def catalogue() -> dict:
        return json.loads(aws_managed_policies_data)

    def ensure(backend, policy_arn: str) -> None:
        m = re.fullmatch(r"arn:[\w-]+:iam::aws:policy(/(?:.*/)?)([^/]+)", policy_arn or "")
        if not m or policy_arn in backend.managed_policies:
            return
        data = catalogue().get(m[2])
        if data is not None and data.get("Path", "/") == m[1]:
            policy = AWSManagedPolicy.from_data(m[2], backend.account_id, backend.region_name, data)
            if policy.arn == policy_arn:
                backend.aws_managed_policies.append(policy)
                backend.managed_policies[policy.arn] = policy

    for name in ("attach_role_policy", "attach_user_policy", "attach_group_policy", "get_policy"):
        def wrap(original):
            def on_demand(self, policy_arn, *args, **kwargs):
                ensure(self, policy_arn)
                return original(self, policy_arn, *args, **kwargs)
            return on_demand
        setattr(IAMBackend, name, wrap(getattr(IAMBackend, name)))


def _install_gate(cls, service: str, authorize, render) -> None:
    """Route one service's requests through the counters and this module's authorization.

    moto's own check (`_authenticate_and_authorize_normal_action`, Action-only) is switched off
    for the class; the replacement runs before moto parses the action, honours moto's auth switch,
    and answers a refusal in the service's own error shape."""
    original = cls.call_action

    def call_action(self):
        action = self._get_action()
        STATS.count(f"{service}:{action}")
        if _auth_enabled():
            try:
                authorize(self, action)
            except Denied as d:
                STATS.denials.append({"principal": d.caller_arn, "action": d.action,
                                      "resource": d.resource, "reason": d.reason})
                log.info("DENY %s", d)
                return render(Rejected(403, "AccessDenied", str(d)))
            except Rejected as r:
                log.info("REJECT %s %s: %s", service, action, r.message)
                return render(r)
        return original(self)

    cls.call_action = call_action
    cls._authenticate_and_authorize_normal_action = lambda self, resource="*": None


def install() -> None:
    """Apply every patch (idempotent)."""
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
    from moto.iam.responses import IamResponse
    from moto.sts.responses import TokenResponse
    if getattr(install, "done", False):
        return
    _install_gate(DynamoHandler, "dynamodb", _authorize_dynamodb_recorded, _dynamodb_error)
    _install_gate(DynamoDBStreamsHandler, "dynamodb", _authorize_dynamodb_streams, _dynamodb_error)
    _install_gate(TokenResponse, "sts", _authorize_sts_recorded, _query_error("https://sts.amazonaws.com/doc/2011-06-15/"))
    _install_gate(IamResponse, "iam", _authorize_iam, _query_error("https://iam.amazonaws.com/doc/2010-05-08/"))
    _install_principal_validation()
    _install_resource_policy_validation()
    _install_session_lifetimes()
    _install_cloudtrail()
    _install_bodyless_signature_check()
    _install_fast_table_order()
    _install_fast_item_json()
    _install_lambda_logging_config()
    _install_aws_managed_policies_on_demand()
    _install_transact_idempotency()
    _install_batch_write_key_check()
    _install_import_into_existing_table_check()
    _install_stream_not_found()
    export_emulation.install(sys.modules[__name__])  # last: it wraps the write paths patched above
    lambda_invoke.install(sys.modules[__name__])
    install.done = True


# ============================================================================================
# Local API (/_local/...) and the server
# ============================================================================================

def _attr_json(value) -> dict:
    """moto DynamoType -> DynamoDB JSON (binary as base64, like the wire format)."""
    kind, v = value.type, value.value
    if kind == "M":
        return {"M": {k: _attr_json(x) for k, x in v.items()}}
    if kind == "L":
        return {"L": [_attr_json(x) for x in v]}
    if kind == "B":
        return {"B": base64.b64encode(v).decode() if isinstance(v, bytes) else v}
    if kind == "BS":
        return {"BS": [base64.b64encode(x).decode() if isinstance(x, bytes) else x for x in v]}
    return {kind: v}


def table_items(account: str, region: str, table: str) -> list[dict]:
    from moto.dynamodb.models import dynamodb_backends
    items = dynamodb_backends[account][region].get_table(table).all_items()  # sorted by key
    return [{k: _attr_json(v) for k, v in item.attrs.items()} for item in items]


_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}


def _json_body(environ) -> dict:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    return json.loads(raw) if raw.strip() else {}


class LocalApi:
    """WSGI middleware answering /_local/* before moto sees the request (never counted)."""
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if not path.startswith("/_local/"):
            return self.app(environ, start_response)
        status, body = 200, None
        if path == "/_local/stats" and method == "GET":
            body = STATS.snapshot()
        elif path == "/_local/stats/reset" and method == "POST":
            STATS.reset()
            SESSIONS.reset()
            CLOUDTRAIL.reset()
            body = {"status": "ok"}
        elif path == "/_local/sts/sessions" and method == "GET":
            body = SESSIONS.snapshot()
        elif path == "/_local/sts/lifetime" and method == "POST":
            seconds = _json_body(environ).get("seconds")
            if seconds is not None and (type(seconds) is not int or seconds < 1):
                status, body = 400, {"error": f"seconds: expected a positive integer or null, got {seconds!r}"}
            else:
                SESSIONS.lifetime = seconds
                body = {"lifetime_seconds": seconds}
        elif (m := re.fullmatch(r"/_local/lambda/(\d{12})/([a-z0-9-]+)/([\w-]+)/credentials", path)) and method == "POST":
            try:
                body = lambda_credentials(m[1], m[2], m[3], int(_json_body(environ).get("duration", 43200)))
            except Rejected as r:
                status, body = r.status, {"error": r.message}
            except Exception as e:  # no such function
                status, body = 404, {"error": f"{type(e).__name__}: {e}"}
        elif path == "/_local/cloudtrail" and method == "GET":
            body = CLOUDTRAIL.snapshot()
        elif path == "/_local/denials" and method == "GET":
            body = list(STATS.denials)
        elif path == "/_local/refusals" and method == "GET":
            body = list(STATS.refusals)
        elif (m := re.fullmatch(r"/_local/dynamodb/(\d{12})/([a-z0-9-]+)/([\w.-]+)", path)) and method == "GET":
            try:
                items = table_items(m[1], m[2], m[3])
                body = {"table": m[3], "count": len(items), "items": items}
            except Exception as e:  # ResourceNotFound and friends
                status, body = 404, {"error": f"{type(e).__name__}: {e}"}
        elif (answer := lambda_invoke.route(path, method)):
            status, body = answer
        elif (answer := export_emulation.route(path, method, _json_body(environ) if method == "POST" else {})):
            status, body = answer
        else:
            status, body = 404, {"error": f"no local API route {method} {path}"}
        data = json.dumps(body).encode()
        start_response(f"{status} {_REASONS.get(status, 'Error')}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--access-log", action="store_true", help="log every HTTP request")
    args = parser.parse_args(argv)
    if "MOTO_ACCOUNT_ID" in os.environ:
        sys.exit("aws_emulator: unset MOTO_ACCOUNT_ID (it pins every request to one account)")

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.access_log else logging.WARNING)
    from werkzeug.serving import run_simple
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

    install()
    # The deployed functions' AWS_ENDPOINT_URL (lambda_invoke.py); SIGTERM's exit runs atexit, which
    # stops their processes.
    lambda_invoke.ENDPOINT = f"http://{args.host}:{args.port}"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = LocalApi(DomainDispatcherApplication(create_backend_app))
    log.info("strict local AWS (STS, IAM, DynamoDB, Lambda Invoke) on http://%s:%d", args.host, args.port)
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
