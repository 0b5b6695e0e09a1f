"""A built wheel carries what the tool reads at run time (report templates, the JSON
schema), so an installed `advisor` finds them outside this checkout, and it installs no
generic top-level name for the report templates (they are `advisor.report_templates`)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed_for_the_wheel() -> None:
    """pyproject lists its packages (find cannot map report_templates/ under advisor):
    a new package folder that is not listed would be left out of the wheel."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    folders = {".".join(init.parent.relative_to(ROOT).parts)
               for top in ("advisor", "codemods") for init in (ROOT / top).rglob("__init__.py")}
    assert folders | {"advisor.report_templates"} == listed


@pytest.mark.slow
def test_wheel_ships_templates_and_schema(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True)
    (wheel,) = tmp_path.glob("django_async_advisor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "advisor/schema/scan-result.schema.json" in names
    assert "advisor/report_templates/report.html.jinja" in names
    assert "advisor/py.typed" in names
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(
        (".dist-info", ".data"))}
    assert top_level == {"advisor", "codemods"}, top_level
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True)
    sample = ROOT / "sample_projects" / "bookshop"
    report = tmp_path / "report.html"
    probe = (
        "import importlib.resources as r, advisor, sys;"
        "from advisor.cli import main;"
        "assert advisor.__file__.startswith(" + repr(str(target)) + ");"
        "assert r.files('advisor').joinpath('schema/scan-result.schema.json').is_file();"
        "sys.argv = ['advisor', 'scan', " + repr(str(sample)) + ", '--no-cache', '--html', "
        + repr(str(report)) + "];"
        "main()"
    )
    completed = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path,
                               env={"PYTHONPATH": str(target)}, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert "shipping.views.shipping_quotes" in report.read_text()
