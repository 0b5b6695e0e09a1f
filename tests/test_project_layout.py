"""Project layouts and settings as Python and Django see them: a src layout, package folders
declared in pyproject.toml or setup.cfg, manage.py in a subfolder, several projects side by
side (`--project` picks one, otherwise the scan says which it took), settings named only by
`.env` or `os.environ[...] = ...`, `--settings` matched in the tree, and a scan that could not
read the URLconf failing loudly instead of calling every view "not routed"."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.model import ScanResult
from snippets import scan_project

VIEWS = 'from django.http import HttpResponse\n\ndef home(request):\n    return HttpResponse("h")\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def project_files(package: str, prefix: str = "", manage: bool = True) -> dict[str, str]:
    """A project whose package is `package`, written under the folder `prefix`."""
    files = {
        f"{prefix}{package}/__init__.py": "",
        f"{prefix}{package}/settings.py": f'ROOT_URLCONF = "{package}.urls"\n',
        f"{prefix}{package}/urls.py": (
            f"from django.urls import path\nfrom {package}.web import views\n"
            'urlpatterns = [path("home/", views.home)]\n'
        ),
        f"{prefix}{package}/web/__init__.py": "",
        f"{prefix}{package}/web/views.py": VIEWS,
    }
    if manage:
        files[f"{prefix}manage.py"] = (
            "import os\n"
            f'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{package}.settings")\n'
        )
    return files


def routed(result: ScanResult) -> dict[str, str]:
    return {r.pattern: v.id for v in result.views for r in v.routes}


def run(*args: str) -> tuple[int, str, str]:
    outcome = CliRunner().invoke(main, list(args))
    return outcome.exit_code, outcome.stdout, outcome.stderr


# --- source roots -------------------------------------------------------------------------


def test_a_src_layout_resolves_modules_from_src(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme", "src/", manage=False))
    write(tmp_path, {"pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = acme.settings\n"})
    result = scan_project(tmp_path)
    assert result.project.settings_module == "acme.settings"
    assert routed(result) == {"home/": "acme.web.views.home"}


def test_a_folder_named_src_that_is_a_package_is_not_a_source_root(tmp_path: Path) -> None:
    write(tmp_path, project_files("src"))
    result = scan_project(tmp_path)
    assert routed(result) == {"home/": "src.web.views.home"}


@pytest.mark.parametrize("declaration", [
    ("pyproject.toml", '[tool.setuptools]\npackage-dir = {"" = "lib"}\n'),
    ("pyproject.toml", '[tool.setuptools.packages.find]\nwhere = ["lib"]\n'),
    ("pyproject.toml", '[tool.poetry]\npackages = [{include = "acme", from = "lib"}]\n'),
    ("setup.cfg", "[options]\npackage_dir =\n    =lib\n"),
    ("setup.cfg", "[options.packages.find]\nwhere = lib\n"),
])
def test_package_folders_declared_in_packaging_config(
    tmp_path: Path, declaration: tuple[str, str]
) -> None:
    write(tmp_path, project_files("acme", "lib/", manage=False))
    write(tmp_path, {declaration[0]: declaration[1],
                     "tox.ini": "[testenv]\nsetenv =\n    DJANGO_SETTINGS_MODULE=acme.settings\n"})
    result = scan_project(tmp_path)
    assert routed(result) == {"home/": "acme.web.views.home"}


def test_undeclared_folder_keeps_root_relative_names(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme", "lib/", manage=False))
    write(tmp_path, {"pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = lib.acme.settings\n"})
    result = scan_project(tmp_path)
    # Without a declaration `lib` is just a folder: its settings name modules that do not
    # exist under that name, and the scan says so instead of routing anything.
    assert routed(result) == {}
    assert any(f.kind == "urlconf-unread" for f in result.findings)


def test_manage_py_in_a_subfolder(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme", "backend/"))
    write(tmp_path, {"docs/conf.py": "project = 'x'\n"})
    result = scan_project(tmp_path)
    assert routed(result) == {"home/": "acme.web.views.home"}
    assert not any(f.kind == "layout" for f in result.findings)


# --- several projects ---------------------------------------------------------------------


def two_projects(root: Path) -> Path:
    write(root, project_files("alpha", "alpha_site/"))
    write(root, project_files("beta", "beta_site/"))
    return root


def test_several_projects_take_one_and_say_which(tmp_path: Path) -> None:
    result = scan_project(two_projects(tmp_path))
    assert routed(result) == {"home/": "alpha.web.views.home"}
    notes = [f.message for f in result.findings if f.kind == "layout"]
    assert len(notes) == 1
    assert "alpha_site/manage.py" in notes[0] and "beta_site/manage.py" in notes[0]
    assert "--project" in notes[0]
    # The other project's views are not ranked with this one's readiness.
    assert not any(v.id.startswith("beta") for v in result.views)


def test_project_flag_picks_one(tmp_path: Path) -> None:
    two_projects(tmp_path)
    result = scan_project(tmp_path, project=str(tmp_path / "beta_site" / "manage.py"))
    assert routed(result) == {"home/": "beta.web.views.home"}
    assert result.project.settings_module == "beta.settings"
    # Relative to the scanned folder, and a folder holding manage.py, work too.
    assert routed(scan_project(tmp_path, project="beta_site")) == routed(result)


def test_project_flag_naming_no_manage_py_is_one_line_exit_2(tmp_path: Path) -> None:
    two_projects(tmp_path)
    code, out, err = run("views", str(tmp_path), "--project", "gamma/manage.py", "--no-cache")
    assert code == 2
    assert "--project gamma/manage.py" in err and "alpha_site/manage.py" in err
    assert len(err.strip().splitlines()) == 1


def test_a_test_project_inside_the_package_is_not_another_project(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme"))
    write(tmp_path, project_files("demo", "acme/example/"))
    result = scan_project(tmp_path)
    assert routed(result) == {"home/": "acme.web.views.home"}
    assert not any(f.kind == "layout" for f in result.findings)


# --- settings manage.py does not name -----------------------------------------------------


@pytest.mark.parametrize("line", [
    "DJANGO_SETTINGS_MODULE=acme.settings",
    'export DJANGO_SETTINGS_MODULE="acme.settings"  # local',
    "DJANGO_SETTINGS_MODULE = 'acme.settings'",
])
def test_settings_from_a_dotenv_file(tmp_path: Path, line: str) -> None:
    write(tmp_path, project_files("acme", manage=False))
    write(tmp_path, {".env": f"DEBUG=1\n{line}\n",
                     "acme/other_settings.py": 'ROOT_URLCONF = "nowhere"\n'})
    result = scan_project(tmp_path)
    assert result.project.settings_module == "acme.settings"
    assert routed(result) == {"home/": "acme.web.views.home"}


def test_pytest_config_in_the_project_folder(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme", "backend/", manage=False))
    write(tmp_path, {
        "backend/pyproject.toml": '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "acme.settings"\n',
        "backend/manage.py": "import sys\n",  # no DJANGO_SETTINGS_MODULE in it
    })
    result = scan_project(tmp_path)
    assert result.project.settings_module == "acme.settings"
    assert routed(result) == {"home/": "acme.web.views.home"}


def test_settings_assigned_into_os_environ(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme", manage=False))
    write(tmp_path, {
        "manage.py": 'import os\n\ndef main():\n    os.environ["DJANGO_SETTINGS_MODULE"] = "acme.settings"\n',
        "acme/zz_settings.py": 'ROOT_URLCONF = "nowhere"\n',
    })
    result = scan_project(tmp_path)
    assert result.project.settings_module == "acme.settings"


def test_explicit_settings_named_from_above_the_source_root(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme", "src/", manage=False))
    write(tmp_path, {"src/acme/test_settings.py": 'ROOT_URLCONF = "acme.urls"\nDEBUG = True\n'})
    for given in ("acme.test_settings", "src.acme.test_settings"):
        result = scan_project(tmp_path, settings_module=given)
        assert result.project.settings_module == "acme.test_settings"
        assert routed(result) == {"home/": "acme.web.views.home"}
    code, _, err = run("views", str(tmp_path), "--settings", "other.test_settings", "--no-cache")
    assert code == 2 and "'other.test_settings' is not in" in err


# --- a URLconf that could not be read -----------------------------------------------------


def test_broken_settings_exit_2_with_one_line(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme"))
    write(tmp_path, {"acme/settings.py": "ROOT_URLCONF = (\n"})  # cannot be parsed
    code, out, err = run("scan", str(tmp_path), "--no-cache")
    assert code == 2
    assert "cannot be parsed" in err and "--allow-no-urlconf" in err
    assert len(err.strip().splitlines()) == 1 and out == ""
    code, out, _ = run("scan", str(tmp_path), "--no-cache", "--allow-no-urlconf")
    assert code == 0 and "acme.web.views.home" in out


def test_settings_without_root_urlconf_exit_2(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme"))
    write(tmp_path, {"acme/settings.py": "DEBUG = True\n"})
    code, _, err = run("views", str(tmp_path), "--no-cache")
    assert code == 2 and "ROOT_URLCONF not found" in err


def test_root_urlconf_missing_from_the_tree_fails_the_gate(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme"))
    write(tmp_path, {"acme/settings.py": 'ROOT_URLCONF = "acme.gone"\n'})
    code, _, err = run("scan", str(tmp_path), "--no-cache", "--fail-on", "keep sync")
    assert code == 2 and "'acme.gone'" in err and "not a module" in err


def test_no_settings_at_all_warns_and_fails_only_a_gate(tmp_path: Path) -> None:
    # A library (no project settings): the scan still ranks its views, says why none is
    # routed, and refuses to pass a CI gate it cannot evaluate.
    write(tmp_path, {"lib/__init__.py": "", "lib/views.py": VIEWS})
    code, out, err = run("scan", str(tmp_path), "--no-cache")
    assert code == 0 and "lib.views.home" in out
    assert "no Django settings found" in err and "--settings" in err
    code, _, err = run("scan", str(tmp_path), "--no-cache", "--fail-on", "keep sync")
    assert code == 2 and "no Django settings found" in err
    code, _, _ = run("scan", str(tmp_path), "--no-cache", "--fail-on", "keep sync",
                     "--allow-no-urlconf")
    assert code in (0, 1)  # the gate runs on what the scan found


def test_a_readable_urlconf_says_nothing(tmp_path: Path) -> None:
    write(tmp_path, project_files("acme"))
    code, _, err = run("scan", str(tmp_path), "--no-cache")
    assert code == 0 and "URLconf" not in err and "settings" not in err


def test_rewrite_takes_project_too(tmp_path: Path) -> None:
    two_projects(tmp_path)
    code, out, err = run("rewrite", str(tmp_path), "--project", "beta_site/manage.py",
                         "--view", "beta.web.views.home")
    assert code in (0, 1), err
    assert "no view" not in err and "beta" in out + err
    code, _, err = run("rewrite", str(tmp_path), "--view", "beta.web.views.home")
    assert code == 2 and "beta.web.views.home" in err  # alpha_site was taken: no such view


def test_a_named_settings_module_missing_from_the_tree(tmp_path: Path) -> None:
    # weblate's wsgi.py names `weblate.settings`, which its users create from
    # settings_example.py: the scan takes the example and says what was named.
    write(tmp_path, project_files("acme", manage=False))
    (tmp_path / "acme" / "settings.py").rename(tmp_path / "acme" / "settings_example.py")
    write(tmp_path, {"acme/wsgi.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE",'
                                     ' "acme.settings")\n'})
    result = scan_project(tmp_path)
    assert result.project.settings_module == "acme.settings_example"
    assert routed(result) == {"home/": "acme.web.views.home"}
    (tmp_path / "acme" / "settings_example.py").unlink()
    code, _, err = run("scan", str(tmp_path), "--no-cache")
    assert code == 2 and "'acme.settings' (acme/wsgi.py) is not in the scanned tree" in err
