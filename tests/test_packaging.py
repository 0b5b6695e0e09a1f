"""A built wheel carries what the tool reads at run time (report templates, the JSON
schema), so an installed `advisor` finds them outside this checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_templates_and_schema(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True)
    (wheel,) = tmp_path.glob("django_async_advisor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "advisor/schema/scan-result.schema.json" in names
    assert any(n.startswith("report_templates/") and n.endswith((".html", ".jinja")) for n in names)
    assert "advisor/py.typed" in names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True)
    probe = (
        "import importlib.resources as r, report_templates, advisor;"
        "html = [p.name for p in r.files('report_templates').iterdir()"
        " if p.name.endswith(('.html', '.jinja'))];"
        "assert html, html;"
        "assert r.files('advisor').joinpath('schema/scan-result.schema.json').is_file();"
        "assert advisor.__file__.startswith(" + repr(str(target)) + ");"
        "print('ok')"
    )
    completed = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path,
                               env={"PYTHONPATH": str(target)}, capture_output=True, text=True)
    assert completed.stdout.strip() == "ok", completed.stderr
