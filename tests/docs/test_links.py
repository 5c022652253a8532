"""Every relative link in README.md, CONTRIBUTING.md and docs/ leads somewhere: the file or directory
exists inside the repository and, for `file.md#anchor` (or `#anchor` within a page), the target has
a heading whose GitHub anchor is `anchor`. External links (any `scheme:`) are not followed.

GitHub's anchor of a heading: its rendered text, lower-cased, with everything but letters, digits,
`_`, `-` and spaces removed, spaces turned into `-`; a repeated anchor gets `-1`, `-2`, ... Links and
headings inside fenced code blocks and inline code do not count. Headings are ATX (`# Title`);
`<a name="x">` / `id="x"` also define anchors.

    .tools/venv/bin/python -m pytest tests/docs -q -p no:cacheprovider     (make test-docs)
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]

FENCE = re.compile(r"^\s{0,3}(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
HTML_ANCHOR = re.compile(r"""<a\s[^>]*?(?:name|id)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
# [text](target "title") and ![alt](target); the text may hold one level of brackets.
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def documents(root: Path) -> list[Path]:
    """The pages whose links are held to the tree: README.md and CONTRIBUTING.md (both required)
    and every Markdown file under docs/."""
    docs = sorted((root / "docs").rglob("*.md")) if (root / "docs").is_dir() else []
    return [root / "README.md", root / "CONTRIBUTING.md", *docs]


def prose_lines(text: str):
    """(line number, line) outside fenced code blocks, inline code removed."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            continue
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        yield number, line


def rendered(heading: str) -> str:
    """A heading's text as GitHub renders it: code spans keep their content, links their text,
    emphasis markers and HTML tags disappear."""
    text = CODE_SPAN.sub(lambda m: m.group(2).strip(), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("*", "").replace("~", "")


def slug(heading: str) -> str:
    text = rendered(heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in prose_lines(path.read_text(encoding="utf-8")):
        if m := HEADING.match(line):
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
        found.update(HTML_ANCHOR.findall(line))
    return found


def links(path: Path):
    """(line number, target) of every link in a page's prose."""
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        plain = CODE_SPAN.sub("", line)
        for m in INLINE_LINK.finditer(plain):
            yield number, m.group(1).strip("<>")
        if m := REFERENCE_DEFINITION.match(plain):
            yield number, m.group(1).strip("<>")


def dead_links(root: Path) -> tuple[list[str], int]:
    """The problems found (one line each, `page:line: target: why`) and how many links were checked."""
    root = root.resolve()
    problems: list[str] = []
    checked = 0
    anchor_cache: dict[Path, set[str]] = {}
    for page in documents(root):
        name = page.relative_to(root)
        if not page.is_file():
            problems.append(f"{name}: missing")
            continue
        for number, target in links(page):
            if SCHEME.match(target):
                continue  # external: not followed
            checked += 1
            where = f"{name}:{number}: {target}"
            path_part, _, anchor = target.partition("#")
            dest = (page.parent / unquote(path_part)).resolve() if path_part else page
            if not dest.is_relative_to(root):
                problems.append(f"{where}: points outside the repository")
                continue
            if not dest.exists():
                problems.append(f"{where}: no such file or directory")
                continue
            if anchor and dest.suffix == ".md":
                if dest not in anchor_cache:
                    anchor_cache[dest] = anchors(dest)
                if unquote(anchor) not in anchor_cache[dest]:
                    problems.append(f"{where}: no heading with anchor #{anchor} in {dest.relative_to(root)}")
    return problems, checked


# ---- the project's own documents ---------------------------------------------------------------

def test_every_relative_link_in_the_documents_resolves():
    problems, checked = dead_links(ROOT)
    assert not problems, "dead links:\n" + "\n".join(problems)
    # The pages do link to each other; zero checked links would mean the link pattern broke.
    assert checked >= 20, f"only {checked} relative links found in README.md, CONTRIBUTING.md and docs/"


# ---- the checker itself, on synthetic trees ------------------------------------------------------

def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


GUIDE = "# Guide\n\n## Set up the `tool`\n\n"  # four lines; the tests below append to it


def healthy(root: Path) -> Path:
    return write(root, {
        "README.md": "# Tool\n\nSee [the guide](docs/guide.md), [its setup](docs/guide.md#set-up-the-tool),\n"
                     "[the source](src/) and [the site](https://example.com/x.md#nothing).\n",
        "CONTRIBUTING.md": "# Contributing\n\n[Back](README.md#tool) and [down](#running-one-test).\n\n"
                           "## Running one test\n",
        "docs/guide.md": GUIDE + "[Up](../README.md), [Contributing](../CONTRIBUTING.md).\n",
        "src/main.rs": "",
    })


def test_a_healthy_tree_has_no_problems(tmp_path):
    problems, checked = dead_links(healthy(tmp_path))
    assert problems == []
    assert checked == 7, "the external link is skipped, every other link is checked"


def test_a_link_to_a_missing_file_is_reported_with_page_and_line(tmp_path):
    root = healthy(tmp_path)
    (root / "docs" / "guide.md").write_text(GUIDE + "See\n[the old page](old.md).\n")
    problems, _ = dead_links(root)
    assert problems == ["docs/guide.md:6: old.md: no such file or directory"]


def test_a_link_to_a_missing_heading_is_reported(tmp_path):
    root = healthy(tmp_path)
    (root / "README.md").write_text("# Tool\n\n[setup](docs/guide.md#setup)\n")
    problems, _ = dead_links(root)
    assert problems == ["README.md:3: docs/guide.md#setup: no heading with anchor #setup in docs/guide.md"]


def test_a_missing_heading_on_the_same_page_is_reported(tmp_path):
    root = healthy(tmp_path)
    (root / "CONTRIBUTING.md").write_text("# Contributing\n\n[down](#running-a-test)\n\n## Running one test\n")
    problems, _ = dead_links(root)
    assert problems == ["CONTRIBUTING.md:3: #running-a-test: no heading with anchor #running-a-test in CONTRIBUTING.md"]


def test_links_out_of_the_repository_and_missing_pages_are_reported(tmp_path):
    root = healthy(tmp_path / "repo")
    (root / "CONTRIBUTING.md").unlink()
    (root / "docs" / "guide.md").write_text(GUIDE + "[elsewhere](../../outside.md)\n")
    problems, _ = dead_links(root)
    assert problems == ["CONTRIBUTING.md: missing",
                        "docs/guide.md:5: ../../outside.md: points outside the repository"]


def test_code_is_not_read_for_links_or_headings(tmp_path):
    root = healthy(tmp_path)
    (root / "docs" / "guide.md").write_text(
        GUIDE + "```md\n[dead](nowhere.md)\n## Fenced heading\n```\n\n"
        "Inline: `[dead](nowhere.md)`.\n\n[fenced](#fenced-heading)\n")
    problems, _ = dead_links(root)
    assert problems == ["docs/guide.md:12: #fenced-heading: no heading with anchor #fenced-heading in docs/guide.md"]


def test_repeated_headings_get_numbered_anchors(tmp_path):
    root = healthy(tmp_path)
    (root / "docs" / "guide.md").write_text(GUIDE + "## Notes\n\n## Notes\n\n[a](#notes) [b](#notes-1) [c](#notes-2)\n")
    problems, _ = dead_links(root)
    assert problems == ["docs/guide.md:9: #notes-2: no heading with anchor #notes-2 in docs/guide.md"]


def test_anchors_follow_githubs_rules():
    assert slug("What `make demo` deploys") == "what-make-demo-deploys"
    assert slug('The pre-flight check: `{"op": "check"}`') == "the-pre-flight-check-op-check"
    assert slug("Metrics (CloudWatch Embedded Metric Format)") == "metrics-cloudwatch-embedded-metric-format"
    assert slug("`ReadWriteUpdate` and deletes") == "readwriteupdate-and-deletes"
    assert slug("Values: plain JSON both ways") == "values-plain-json-both-ways"
    assert slug("The `next_token` and **regions**") == "the-next_token-and-regions"
    assert slug("See [the guide](guide.md)") == "see-the-guide"
