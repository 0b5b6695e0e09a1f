"""What a scan reads: folders named like tooling output (`media`, `static`, `build`, `dist`,
`env`) are scanned when they are apps, virtualenvs are skipped by their marker files under
any name, the default excludes can be replaced (`[tool.advisor] exclude`, as ruff's) or
turned off (`--no-default-excludes`), and `[tool.advisor]` is found upward from the scanned
folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.config import build_settings
from advisor.files import SourceFile, discover

VIEWS = 'from django.http import HttpResponse\n\ndef home(request):\n    return HttpResponse("h")\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def scanned(root: Path, **flags: object) -> set[str]:
    settings = build_settings(root, **flags)
    return {
        f.relative
        for f in discover(root, settings.excludes, settings.default_excludes)
        if isinstance(f, SourceFile)
    }


@pytest.mark.parametrize("name", ["media", "static", "build", "dist", "env"])
def test_an_app_named_like_a_tooling_folder_is_scanned(tmp_path: Path, name: str) -> None:
    write(tmp_path, {f"{name}/__init__.py": "", f"{name}/views.py": VIEWS,
                     f"site/{name}/collected.py": "x = 1\n"})
    found = scanned(tmp_path)
    assert f"{name}/views.py" in found
    assert f"site/{name}/collected.py" not in found  # not a package: tooling output


def test_an_included_media_app_is_routed(tmp_path: Path) -> None:
    write(tmp_path, {
        "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")\n',
        "settings.py": 'ROOT_URLCONF = "urls"\n',
        "urls.py": 'from django.urls import include, path\n'
                   'urlpatterns = [path("m/", include("media.urls"))]\n',
        "media/__init__.py": "",
        "media/views.py": VIEWS,
        "media/urls.py": 'from django.urls import path\nfrom media import views\n'
                         'urlpatterns = [path("h/", views.home)]\n',
    })
    outcome = CliRunner().invoke(main, ["views", str(tmp_path), "--no-cache"])
    assert outcome.exit_code == 0, outcome.stderr
    assert "media.views.home" in outcome.stdout and "m/h/" in outcome.stdout


@pytest.mark.parametrize("folder", ["tools", ".venv", "my-env"])
def test_virtualenvs_are_skipped_by_marker_under_any_name(tmp_path: Path, folder: str) -> None:
    write(tmp_path, {f"{folder}/pyvenv.cfg": "home = /usr/bin\n",
                     f"{folder}/lib/python3.11/site-packages/django/views.py": VIEWS,
                     "app/views.py": VIEWS})
    assert scanned(tmp_path) == {"app/views.py"}
    # The marker wins even with the default excludes turned off.
    assert scanned(tmp_path, default_excludes=()) == {"app/views.py"}


def test_conda_environment_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, {"envs/py/conda-meta/history": "", "envs/py/lib/x.py": "x = 1\n",
                     "app/views.py": VIEWS})
    assert scanned(tmp_path) == {"app/views.py"}


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    write(tmp_path, {"app/views.py": VIEWS, "app/migrations/0001.py": "x = 1\n",
                     "docs/conf.py": "x = 1\n", "legacy/old.py": "x = 1\n"})
    assert scanned(tmp_path) == {"app/views.py", "docs/conf.py", "legacy/old.py"}
    write(tmp_path, {"pyproject.toml": '[tool.advisor]\nexclude = ["docs/"]\n'})
    assert scanned(tmp_path) == {"app/views.py", "app/migrations/0001.py", "legacy/old.py"}
    write(tmp_path, {"pyproject.toml": '[tool.advisor]\nextend-exclude = ["docs/"]\n'})
    assert scanned(tmp_path) == {"app/views.py", "legacy/old.py"}
    # --exclude adds to either.
    assert scanned(tmp_path, excludes=("legacy/",)) == {"app/views.py"}


def test_no_default_excludes_flag(tmp_path: Path) -> None:
    write(tmp_path, {"app/views.py": VIEWS, "app/migrations/0001.py": "x = 1\n"})
    runner = CliRunner()
    plain = runner.invoke(main, ["views", str(tmp_path), "--no-cache", "--allow-no-urlconf",
                                 "--format", "json"])
    every = runner.invoke(main, ["views", str(tmp_path), "--no-cache", "--allow-no-urlconf",
                                 "--format", "json", "--no-default-excludes"])
    assert plain.exit_code == every.exit_code == 0
    assert "app.migrations" not in plain.stdout
    assert scanned(tmp_path, default_excludes=()) == {"app/views.py", "app/migrations/0001.py"}


def test_config_is_found_upward_from_the_scanned_folder(tmp_path: Path) -> None:
    write(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "pyproject.toml": '[project]\nname = "x"\n\n[tool.advisor]\nstrong_score = 70\n'
                          'extend-exclude = ["src/legacy/"]\n',
        "src/app/views.py": VIEWS,
        "src/legacy/old.py": "x = 1\n",
    })
    settings = build_settings(tmp_path / "src")
    assert settings.strong_score == 70
    # A pattern written from the repository root applies to the scanned subfolder.
    assert scanned(tmp_path / "src") == {"app/views.py"}


def test_the_nearest_advisor_table_wins_and_the_repository_root_bounds_the_search(
    tmp_path: Path,
) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.advisor]\nstrong_score = 90\n",  # above the repository
        "repo/.git/HEAD": "",
        "repo/pyproject.toml": '[project]\nname = "x"\n',  # no [tool.advisor]: looked past
        "repo/src/app/views.py": VIEWS,
    })
    assert build_settings(tmp_path / "repo" / "src").strong_score == 60  # the default
    write(tmp_path, {"repo/src/pyproject.toml": "[tool.advisor]\nstrong_score = 65\n",
                     "repo/pyproject.toml": "[tool.advisor]\nstrong_score = 75\n"})
    assert build_settings(tmp_path / "repo" / "src").strong_score == 65
    assert build_settings(tmp_path / "repo" / "src" / "app").strong_score == 65
