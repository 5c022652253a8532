"""The names Terraform gives are naming.json's templates filled in, and Terraform's check of the
environment is naming.json's pattern and maximum length, neither re-typed."""
import re

import pytest

from cases import Harness, scratch_terraform
from test_apply import record
from tfhelpers import CONSUMER, ENVS, naming

RULES = naming()


def filled(rule, env):
    # Plain replacement of the two placeholders, independent of how Terraform or Python format.
    return RULES[rule].replace("{environment}", env).replace("{consumer_account_id}", CONSUMER)


@pytest.mark.parametrize("env", ENVS)
def test_applied_names_are_the_templates_filled_in(runs, env):
    cycle = record(runs, f"{env}/consumer-first")["cycle"]
    deployed, outputs = cycle["deployed"], cycle["outputs"]
    assert outputs["main"]["role_name"] == filled("cross_account_role_name", env)
    assert outputs["consumer"]["function_name"] == filled("function_name", env)
    assert outputs["consumer"]["execution_role_arn"].endswith(":role/" + filled("execution_role_name", env))
    assert filled("cross_account_role_name", env) in deployed["main"]["roles"]
    assert deployed["consumer"]["functions"] == [filled("function_name", env)]
    assert filled("execution_role_name", env) in deployed["consumer"]["roles"]
    assert deployed["consumer"]["log_groups"] == ["/aws/lambda/" + filled("function_name", env)]


def test_pattern_and_maximum_length_agree():
    """The pattern's own bound is the maximum length (a role name stops at 64 characters)."""
    assert re.fullmatch(RULES["environment_pattern"], "e" * RULES["environment_max_length"])
    assert not re.fullmatch(RULES["environment_pattern"], "e" * (RULES["environment_max_length"] + 1))
    longest = filled("cross_account_role_name", "e" * RULES["environment_max_length"])
    assert len(longest) == 64


CANDIDATES = ["e" * 25, "e" * 26, "dev", "a", "a-1", "prod-eu-2", "1dev", "Dev", "dev_1", "-dev", "dev.1", "dév"]


@pytest.fixture(scope="module")
def terraform_verdicts(tmp_path_factory):
    terraform_dir, _ = scratch_terraform(tmp_path_factory.mktemp("naming"))
    h = Harness(terraform_dir, "naming", {
        env: ("conventions", {"environment": env, "consumer_account_id": CONSUMER}) for env in CANDIDATES})
    errors = [e for errs in h.diagnostics("plan").values() for e in errs]
    return {env: not any(f'The environment "{env}" must be' in e for e in errors) for env in CANDIDATES}, errors


def test_terraform_accepts_exactly_what_naming_json_allows(terraform_verdicts):
    verdicts, errors = terraform_verdicts
    expected = {env: bool(re.fullmatch(RULES["environment_pattern"], env)) and len(env) <= RULES["environment_max_length"]
                for env in CANDIDATES}
    assert verdicts == expected
    assert verdicts["e" * 25] and not verdicts["e" * 26]
    assert len(errors) == list(expected.values()).count(False)
