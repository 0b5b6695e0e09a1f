"""Settings, URLconfs and module graphs that refer to themselves: values read as Python would
see them where that is knowable, and bounded everywhere else. Generated trees (hypothesis)
check that no shape crashes the scan or makes it loop."""

from __future__ import annotations

import signal
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.model import ScanResult
from snippets import scan_project

VIEWS = 'from django.http import HttpResponse\n\ndef home(request):\n    return HttpResponse("h")\n'
MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "conf.settings")\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@contextmanager
def at_most(seconds: int) -> Iterator[None]:
    """Fail, instead of hanging the suite, when a scan loops."""

    def stop(signum: int, frame: object) -> None:
        raise AssertionError(f"the scan did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def routed(result: ScanResult) -> dict[str, str]:
    return {r.pattern: v.id for v in result.views for r in v.routes}


def test_a_setting_extended_from_its_own_value(tmp_path: Path) -> None:
    write(tmp_path, {
        "manage.py": MANAGE,
        "conf/__init__.py": "",
        "conf/base.py": 'MIDDLEWARE = ["a.A"]\nROOT_URLCONF = "conf.urls"\n',
        "conf/settings.py": """
            from conf.base import *
            MIDDLEWARE = MIDDLEWARE + ["b.B"]
            MIDDLEWARE += ["c.C"]
            MIDDLEWARE.append("d.D")
        """,
        "conf/urls.py": 'from django.urls import path\nfrom shop import views\n'
                        'urlpatterns = [path("h/", views.home)]\n',
        "shop/__init__.py": "",
        "shop/views.py": VIEWS,
    })
    result = scan_project(tmp_path)
    assert [m.path for m in result.project.middleware] == ["a.A", "b.B", "c.C", "d.D"]
    assert routed(result) == {"h/": "shop.views.home"}


def test_settings_that_star_import_each_other(tmp_path: Path) -> None:
    write(tmp_path, {
        "manage.py": MANAGE,
        "conf/__init__.py": "",
        "conf/settings.py": 'from conf.other import *\nROOT_URLCONF = "conf.urls"\n'
                            'MIDDLEWARE = MIDDLEWARE + ["b.B"]\n',
        "conf/other.py": 'from conf.settings import *\nMIDDLEWARE = ["a.A"]\n'
                         "ROOT_URLCONF = ROOT_URLCONF + ROOT_URLCONF\n",
        "conf/urls.py": 'from django.urls import path\nfrom shop import views\n'
                        'urlpatterns = [path("h/", views.home)]\n',
        "shop/__init__.py": "",
        "shop/views.py": VIEWS,
    })
    with at_most(60):
        result = scan_project(tmp_path)
    assert [m.path for m in result.project.middleware] == ["a.A", "b.B"]
    assert routed(result) == {"h/": "shop.views.home"}


def test_a_long_chain_of_settings_names_is_bounded_not_exponential(tmp_path: Path) -> None:
    # Each name used twice by the next: evaluated naively that is 2**60 reads.
    lines = ["A0 = ['x']"] + [f"A{i} = A{i - 1} + A{i - 1}" for i in range(1, 60)]
    write(tmp_path, {
        "manage.py": MANAGE,
        "conf/__init__.py": "",
        "conf/settings.py": "\n".join(lines) + '\nROOT_URLCONF = "conf.urls"\nMIDDLEWARE = A59\n',
        "conf/urls.py": "urlpatterns = []\n",
    })
    with at_most(60):
        scan_project(tmp_path)


def test_cyclic_and_deep_includes_are_bounded(tmp_path: Path) -> None:
    depth = 120
    files = {"manage.py": MANAGE, "conf/__init__.py": "",
             "conf/settings.py": 'ROOT_URLCONF = "conf.u0"\n',
             "shop/__init__.py": "", "shop/views.py": VIEWS}
    for i in range(depth):
        files[f"conf/u{i}.py"] = (
            "from django.urls import include, path\nfrom shop import views\n"
            f'urlpatterns = [path("s{i}/", include("conf.u{(i + 1) % depth}")),'
            f' path("h{i}/", views.home), path("again/", include("conf.u0"))]\n'
        )
    write(tmp_path, files)
    with at_most(60):
        result = scan_project(tmp_path)
    patterns = {r.pattern for v in result.views for r in v.routes}
    assert "h0/" in patterns and "s0/h1/" in patterns


def test_a_deep_call_graph_is_bounded(tmp_path: Path) -> None:
    helpers = "\n".join(f"def f{i}(x):\n    return f{i + 1}(x) + f{(i * 7) % 300}(x)\n"
                        for i in range(300))
    write(tmp_path, {
        "manage.py": MANAGE,
        "conf/__init__.py": "",
        "conf/settings.py": 'ROOT_URLCONF = "conf.urls"\n',
        "conf/urls.py": 'from django.urls import path\nfrom shop import views\n'
                        'urlpatterns = [path(views.f0("p"), views.home)]\n',
        "shop/__init__.py": "",
        "shop/views.py": VIEWS + "import requests\n" + helpers
                         + "def f300(x):\n    return requests.get(x)\n",
    })
    with at_most(60):
        result = scan_project(tmp_path)
    assert result.view("shop.views.home") is not None


# --- generated trees ----------------------------------------------------------------------

NAMES = st.sampled_from(["A", "B", "INSTALLED_APPS", "ROOT_URLCONF", "MIDDLEWARE"])
MODULES = st.integers(min_value=0, max_value=3)


@st.composite
def settings_module(draw: st.DrawFn, index: int) -> str:
    lines = [f"from conf.s{draw(MODULES)} import *" for _ in range(draw(st.integers(0, 2)))]
    for _ in range(draw(st.integers(0, 6))):
        name, other = draw(NAMES), draw(NAMES)
        lines.append(draw(st.sampled_from([
            f"{name} = {other} + [{draw(MODULES)}]",
            f"{name} += [{other!r}]",
            f"{name} = {other}",
            f"{name}.append({other})",
            f'{name} = "conf.u{draw(MODULES)}"',
            f"{name} = {other} if {name} else [{other}]",
            f'{name} = f"{{{other}}}.urls"',
        ])))
    return "\n".join(lines) + "\n"


@st.composite
def urlconf_module(draw: st.DrawFn, index: int) -> str:
    lines = ["from django.urls import include, path, re_path", "from shop import views",
             f"from conf.s{draw(MODULES)} import *", "urlpatterns = []"]
    for _ in range(draw(st.integers(0, 5))):
        other = draw(MODULES)
        lines.append(draw(st.sampled_from([
            f'urlpatterns += [path("i{other}/", include("conf.u{other}"))]',
            f'urlpatterns.append(path("v{other}/", views.home))',
            f"from conf.u{other} import urlpatterns as more\nurlpatterns = urlpatterns + more",
            f'urlpatterns += [path(A, include(f"conf.u{{{other}}}"))]',
            f'urlpatterns += [re_path(rf"^{{B}}/x{other}$", views.home)]',
            f"def build{other}(kind):\n    return build{other}(kind) + [path(kind, views.home)]\n"
            f'urlpatterns += build{other}("k{other}/")',
            f'for app in INSTALLED_APPS:\n    urlpatterns += [path(app, include(f"{{app}}.urls"))]',
            f'urlpatterns += [path("c/", include("conf.u{other}")) if MIDDLEWARE else path("d/", views.home)]',
        ])))
    return "\n".join(lines) + "\n"


@st.composite
def project(draw: st.DrawFn) -> dict[str, str]:
    files = {"manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "conf.s0")\n',
             "conf/__init__.py": "", "shop/__init__.py": "", "shop/views.py": VIEWS}
    for i in range(4):
        files[f"conf/s{i}.py"] = draw(settings_module(i))
        files[f"conf/u{i}.py"] = draw(urlconf_module(i))
    files["conf/s0.py"] += f'ROOT_URLCONF = "conf.u{draw(MODULES)}"\n'
    return files


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(project())
def test_generated_trees_never_crash_or_loop(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write(Path(folder), files)
        with at_most(60):
            result = scan_project(root)
        assert result.view("shop.views.home") is not None
