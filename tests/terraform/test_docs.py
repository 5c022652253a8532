"""Every module and root README documents every input and output it has."""
import re

import pytest

from tfhelpers import REPO

DIRS = sorted(p.parent for p in (REPO / "terraform").glob("*/variables.tf")) + \
    sorted(p.parent for p in (REPO / "terraform" / "modules").glob("*/variables.tf"))


def declared(directory, kind):
    names = set()
    for tf in directory.glob("*.tf"):
        names |= set(re.findall(rf'^{kind} "(\w+)"', tf.read_text(), re.M))
    return names


def documented(readme):
    """Names in the first column of the README's Inputs and Outputs tables."""
    text = readme.read_text()
    assert "## Inputs" in text and "## Outputs" in text
    return set(re.findall(r"^\| `(\w+)` \|", text[text.index("## Inputs"):], re.M))


@pytest.mark.parametrize("directory", DIRS, ids=[d.name for d in DIRS])
def test_readme_tables_cover_inputs_and_outputs(directory):
    readme = directory / "README.md"
    assert readme.exists()
    expected = declared(directory, "variable") | declared(directory, "output")
    assert expected and expected == documented(readme)
