"""The README documents what CI users rely on, and says what the code does (issue 19, done
when): every exit code the CLI can return, the suppression comment (each example in the
README suppresses what it names), the baseline flags, and the pre-commit hook as shipped in
.pre-commit-hooks.yaml. Rule ids are checked in test_cli_conventions."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from advisor.cli import main
from advisor.rules import ALL_RULES, lookup, suppressed_codes

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"### {title}")
    return README[start : README.index("\n### ", start + 1)]


def test_every_exit_code_the_cli_returns_is_in_the_table() -> None:
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section("Exit codes"), re.M)}
    cli = (ROOT / "advisor" / "cli.py").read_text(encoding="utf-8")
    returned = {int(code) for code in re.findall(r"\b(?:sys|ctx)\.exit\((\d+)\)", cli)}
    assert returned and returned <= documented, returned - documented
    assert documented == {0, 1, 2, 130}


def test_each_suppression_example_suppresses_what_it_names() -> None:
    text = section("Rule ids, `--select`/`--ignore`, suppressions, baseline")
    examples = re.findall(r"`(# advisor: ignore(?:\[[^\]]*\])?)`", text)
    assert len(examples) >= 3, examples
    for example in examples:
        codes = suppressed_codes([example, "def view(request):", "    pass"], 2)
        named = re.search(r"\[(.*)\]", example)
        if named is None:
            assert codes == {ALL_RULES}, example
            continue
        wanted = set()
        for name in named.group(1).split(","):
            rule = lookup(name.strip())
            assert rule is not None, name
            wanted.add(rule.code)
        assert codes == wanted, (example, codes)


def test_the_baseline_flags_the_readme_names_exist() -> None:
    text = section("Rule ids, `--select`/`--ignore`, suppressions, baseline")
    flags = set(re.findall(r"(--(?:write-)?baseline)\b", text))
    assert flags == {"--baseline", "--write-baseline"}
    help_text = CliRunner().invoke(main, ["scan", "--help"]).output
    assert all(flag in help_text for flag in flags)


def test_the_pre_commit_section_matches_the_shipped_hook() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    text = section("pre-commit")
    assert f"- id: {hook['id']}" in text
    assert f"`{hook['entry']} {' '.join(hook['args'])}`" in text
    assert hook["pass_filenames"] is False and "does not take the staged file names" in text
