"""The shape the design promises: data flows one way through the stages, reporters and
codemods never reach back into the AST-level machinery, and every plug-in id a user can see
is documented."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from advisor.catalog import family_modules
from advisor.detectors import detectors
from advisor.reporters import reporters
from codemods import codemods

ROOT = Path(__file__).resolve().parent.parent

# Each module may import only from its own stage or earlier ones.
STAGES: list[tuple[str, ...]] = [
    ("advisor", "advisor.model", "advisor.django_api", "advisor.rules"),
    ("advisor.config", "advisor.facts", "advisor.files", "advisor.progress", "advisor.writer",
     "advisor.environment"),
    ("advisor.collect", "advisor.index", "advisor.installed"),
    ("advisor.static_eval", "advisor.catalog"),
    ("advisor.values", "advisor.evaluate", "advisor.binding", "advisor.rows",
     "advisor.detectors", "advisor.effects"),
    ("advisor.discovery",),
    ("advisor.runtime",),
    ("advisor.readiness", "advisor.policy", "advisor.plan"),
    ("advisor.blockers", "advisor.capacity", "advisor.scoring"),
    ("advisor.pipeline", "advisor.warm", "advisor.json_schema"),
    ("advisor.reporters",),
    ("codemods", "advisor.rewrite", "advisor.verify"),
    ("advisor.cli", "advisor.__main__"),
]
ANALYSIS_INTERNALS = ("advisor.facts", "advisor.index", "advisor.effects", "advisor.values",
                      "advisor.evaluate", "advisor.binding", "advisor.detectors",
                      "advisor.discovery", "advisor.collect", "advisor.static_eval")


def stage_of(module: str) -> int:
    best, best_length = -1, -1
    for number, prefixes in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = number, len(prefix)
    return best


def project_modules() -> list[tuple[str, Path]]:
    found = []
    for package in ("advisor", "codemods"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append((".".join(parts), path))
    return found


def imports_of(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return [n for n in names if n.split(".")[0] in ("advisor", "codemods")]


@pytest.mark.parametrize(("module", "path"), project_modules(), ids=lambda v: str(v))
def test_imports_only_flow_forward(module: str, path: Path) -> None:
    stage = stage_of(module)
    assert stage >= 0, f"{module}: add it to a stage in tests/test_architecture.py"
    for imported in imports_of(path):
        imported_stage = stage_of(imported)
        assert imported_stage <= stage, f"{module} (stage {stage}) imports {imported} " \
                                        f"(stage {imported_stage})"
        if module.startswith(("advisor.reporters", "codemods")):
            assert not imported.startswith(ANALYSIS_INTERNALS), (
                f"{module} must work from the result model only, not {imported}")


def test_every_catalog_family_report_format_and_codemod_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for family in family_modules():
        assert f"`{family}`" in readme, f"catalog family {family} is not in the README"
    for name in reporters():
        assert name in readme, f"report format {name} is not in the README"
    for name in codemods():
        assert f"`{name}`" in readme, f"codemod {name} is not in the README"


def test_advisor_uses_codemods_only_through_their_public_entry() -> None:
    """The plan is advisor's (advisor.plan); codemods carry it out through `codemods` itself,
    so no module of advisor imports a private `codemods._*` module (or a codemod's own)."""
    for module, path in project_modules():
        if not module.startswith("advisor"):
            continue
        for imported in imports_of(path):
            if imported.startswith("codemods."):
                assert imported.split(".")[1] in PUBLIC_CODEMODS_NAMES, (
                    f"{module} imports {imported}: use codemods.carry_out and advisor.plan")


PUBLIC_CODEMODS_NAMES = {"carry_out", "codemods", "Codemod", "Refused", "Step", "Target",
                         "ViewPlan", "FileResult"}


def test_scoring_and_rewrite_read_one_conversion_policy() -> None:
    for name in ("blockers.py", "rewrite.py"):
        imports = imports_of(ROOT / "advisor" / name)
        assert any(i.startswith("advisor.policy") for i in imports), name
def test_every_detector_is_documented_and_no_module_is_too_big() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for found in detectors():
        assert f"`{found.id}`" in readme, f"detector {found.id} is not in the README"
    for path in sorted((ROOT / "advisor" / "detectors").glob("[!_]*.py")):
        assert f"`{path.stem}`" in readme, f"detector module {path.stem} is not in the README"
    for module in ("effects", "values", "evaluate", "binding", "rows", "index", "timemodel",
                   "capacity", "blockers", "scoring", "policy", "readiness", "traffic"):
        lines = (ROOT / "advisor" / f"{module}.py").read_text(encoding="utf-8").count("\n")
        assert lines <= 420, f"advisor/{module}.py has {lines} lines: split it"
