"""Every root and module README carries Inputs and Outputs tables generated from the code
(scripts/tf-docs.py: name, description, type, default), and they match the code as it is."""
import importlib.util
import json
import shutil
import subprocess

import pytest

from cases import Planned, planned_with_others
from tfhelpers import CONSUMER, DOCS_PYTHON, MAIN, REPO

GENERATOR = REPO / "scripts" / "tf-docs.py"


def tf_docs(*args):
    return subprocess.run([str(DOCS_PYTHON), str(GENERATOR), *map(str, args)], capture_output=True, text=True, timeout=120)


def test_every_readme_table_matches_the_code():
    p = tf_docs("--check")
    assert p.returncode == 0, p.stdout + p.stderr


def test_every_root_module_and_example_has_a_readme_with_tables():
    dirs = [REPO / "terraform" / r for r in ("main-account", "consumer-account")] + \
        sorted(d for parent in ("modules", "examples") for d in (REPO / "terraform" / parent).iterdir() if d.is_dir())
    assert any(d.parent.name == "examples" for d in dirs)
    for d in dirs:
        text = (d / "README.md").read_text()
        assert "<!-- BEGIN_TF_DOCS -->\n## Inputs" in text and "## Outputs" in text, d


@pytest.mark.parametrize("edit,shows", [
    (('description = "Region of every table that names none."', 'description = "Where the tables are."'),
     "| Where the tables are. |"),
    (('max_session_duration = optional(number, 3600)', 'max_session_duration = optional(number, 7200)'),
     "max_session_duration = optional(number, 7200)"),
    (('  default  = {}\n  nullable = false\n\n  validation {\n    condition     = contains(["principal"',
      '  default  = { mode = "account" }\n  nullable = false\n\n  validation {\n    condition     = contains(["principal"'),
     '`{ mode = "account" }`'),
])
def test_the_check_fails_when_code_and_readme_differ(tmp_path, edit, shows):
    """A description, a type or a default changed in the code and not in the README is reported."""
    module = shutil.copytree(REPO / "terraform" / "modules" / "cross-account-role", tmp_path / "cross-account-role")
    variables = module / "variables.tf"
    source = variables.read_text()
    assert edit[0] in source
    variables.write_text(source.replace(edit[0], edit[1], 1))
    p = tf_docs("--check", module)
    assert p.returncode == 1
    assert any(line.startswith("+") and shows in line for line in p.stdout.splitlines()), p.stdout




def _hcl_literal(value):
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_hcl_literal(v)}" for k, v in value.items()) + " }" if value else "{}"
    return json.dumps(value)


def _cases(zip_path):
    """Every module called once with its required inputs."""
    return {
        "cross-account-role": ("cross-account-role", {
            "environment": "dev", "main_account_id": MAIN, "consumer_account_id": CONSUMER, "region": "us-east-1",
            "tables": {"orders": {"access_type": "Read"}}}),
        "consumer-function": ("consumer-function", {
            "environment": "dev", "main_account_id": MAIN, "consumer_account_id": CONSUMER, "region": "us-east-1",
            "function": {"zip_path": str(zip_path)}}),
        "dynamodb-table": ("dynamodb-table", {"name": "orders"}),
        "conventions": ("conventions", {"environment": "dev", "consumer_account_id": CONSUMER}),
    }


planned_with_others("docs", _cases)


def test_the_generator_reads_what_terraform_reads(shared_module_plan):
    """Descriptions and defaults as Terraform itself loads them (plan JSON's configuration of a
    root calling every module) equal what the generator reads with python-hcl2 (types are not in
    that JSON; the edits above show a type change reaches the README check)."""
    h, plan = shared_module_plan
    mine = Planned(h, "docs")
    modules = mine.cases
    calls = plan["configuration"]["root_module"]["module_calls"]
    read = subprocess.run([str(DOCS_PYTHON), "-c", (
        "import importlib.util, json, sys; from pathlib import Path\n"
        f"spec = importlib.util.spec_from_file_location('d', {str(GENERATOR)!r})\n"
        "d = importlib.util.module_from_spec(spec); spec.loader.exec_module(d)\n"
        "print(json.dumps({m: d.read_module(Path(p)) for m, p in json.loads(sys.argv[1]).items()}))"),
        json.dumps({m: str(REPO / "terraform" / "modules" / m) for m in modules})],
        capture_output=True, text=True, check=True).stdout
    generated = json.loads(read)
    for module in modules:
        terraform_view = calls[mine.key(module)]["module"]["variables"]
        ours = {v["name"]: v for v in generated[module]["inputs"]}
        assert set(ours) == set(terraform_view), module
        for name, v in terraform_view.items():
            assert ours[name]["description"] == v.get("description", ""), (module, name)
            if "default" not in v:
                assert ours[name]["default"] is None, (module, name)  # required
            elif ours[name]["type"].startswith("object(") and v["default"] is not None:
                # Terraform reports an object default with its optional() defaults filled in; the
                # README shows the literal the code has.
                assert ours[name]["default"] is not None, (module, name)
            else:
                assert ours[name]["default"] == _hcl_literal(v["default"]), (module, name)
