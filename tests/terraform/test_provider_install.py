"""Without the aws provider (no mirror holding it, no reachable registry) the Terraform tests
fail, saying what is missing: they never pass by skipping."""
import pytest

from tfhelpers import Root, copy_terraform, tf_env


def init_with(cli_config_text, tmp_path, extra_env=None):
    config = tmp_path / "terraformrc"
    config.write_text(cli_config_text)
    terraform_dir = copy_terraform(tmp_path / "terraform")
    root = Root(terraform_dir / "main-account", tf_env({"TF_CLI_CONFIG_FILE": str(config), **(extra_env or {})}))
    with pytest.raises(AssertionError) as failure:
        root.init()
    return str(failure.value)


def test_a_mirror_without_the_provider_fails_naming_the_mirror(tmp_path):
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    message = init_with(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{empty}"\n  }}\n}}\n', tmp_path)
    assert "the hashicorp/aws provider is not in the provider mirror named in" in message
    assert "TF_PROVIDER_MIRROR" in message


def test_no_mirror_and_no_registry_fails_saying_both_are_missing(tmp_path):
    # The registry made unreachable on any machine: every HTTPS request goes to a closed local port.
    message = init_with("provider_installation {\n  direct {}\n}\n", tmp_path,
                        {"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"})
    assert "no provider mirror" in message and "the Terraform registry is unreachable" in message
