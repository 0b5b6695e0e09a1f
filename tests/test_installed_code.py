"""Calls into installed packages: followed through the project's environment (`--python`,
an active virtualenv, `PATH/.venv/`), parsed only where reached and through the facts cache;
without an environment, a C extension, or a package that is not installed, they are
unknown calls — never silence. Django, DRF, the stdlib and catalogued libraries stay the
catalog's."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from snippets import calls, make_project, scan_project

from advisor.collect import FactsCache, fingerprint
from advisor.installed import project_environment, site_packages
from advisor.model import ScanResult, View

PACKAGES = {
    "payclient/__init__.py": "from .api import charge, Client\n",
    "payclient/api.py": """
        import requests

        def charge(amount):
            return requests.post("http://127.0.0.1/charge", json={"amount": amount}, timeout=1)

        class Client:
            def __init__(self):
                self.session = requests.Session()

            def send(self, payload):
                return self.session.post("http://127.0.0.1/send", json=payload, timeout=1)
        """,
    "payclient-1.2.dist-info/METADATA": "Name: payclient\nVersion: 1.2\n",
    "payclient-1.2.dist-info/top_level.txt": "payclient\n",
    "quietlib/__init__.py": "def compute(x):\n    return x * 2\n",
    "fastpay.cpython-311-x86_64-linux-gnu.so": "",
    # A catalogued library installed too: the catalog row stays the truth.
    "requests/__init__.py": "def get(url, **kwargs):\n    return None\n",
    # Never reached: never parsed (a syntax error would show up as a parse error).
    "unused/__init__.py": "def broken(:\n",
    # The project's own package name: the project's files win.
    "shop/__init__.py": "raise ImportError('the installed copy')\n",
}


def make_venv(root: Path, packages: dict[str, str] | None = None) -> Path:
    venv = root / ".venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    for name, text in (packages or PACKAGES).items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("", encoding="utf-8")
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    return venv


def scan_with(tmp_path: Path, body: str, venv: bool = True, **flags: object) -> ScanResult:
    make_project(tmp_path, {"shop/views.py": body})
    if venv:
        make_venv(tmp_path)
    return scan_project(tmp_path, **flags)


def the_view(result: ScanResult) -> View:
    view = result.view("shop.views.view")
    assert view is not None
    return view


def reasons(view: View) -> list[str]:
    return [f"{u.expression}: {u.reason}" for u in view.unknown_calls]


# Flagged ---------------------------------------------------------------------------------


def test_http_inside_an_installed_library_is_followed(tmp_path: Path) -> None:
    result = scan_with(
        tmp_path,
        """
        import payclient
        def view(request):
            payclient.charge(5)
        """,
    )
    view = the_view(result)
    assert calls(view, "http") == ["requests.post"]
    (effect,) = view.effects
    assert [link.function for link in effect.chain] == ["shop.views.view", "payclient.api.charge"]
    assert view.unknown_calls == ()
    assert result.installed is not None and result.installed.source == ".venv"
    followed = {lib.name: (lib.version, lib.modules) for lib in result.installed.followed}
    assert followed == {"payclient": ("1.2", 2)}


def test_a_library_class_keeps_its_session_from_init(tmp_path: Path) -> None:
    view = the_view(
        scan_with(
            tmp_path,
            """
            from payclient import Client
            def view(request):
                Client().send({"a": 1})
            """,
        )
    )
    assert calls(view, "http") == ["requests.Session.post"]


def test_without_an_environment_the_library_call_is_unknown(tmp_path: Path) -> None:
    result = scan_with(
        tmp_path,
        """
        import payclient
        def view(request):
            payclient.charge(5)
        """,
        venv=False,
    )
    view = the_view(result)
    assert view.effects == ()
    assert reasons(view) == [
        "payclient.charge: into payclient, an installed library: its source is followed "
        "only when the project's environment is known (--python, an active virtualenv, .venv/)"
    ]
    assert result.installed is None


def test_a_c_extension_is_an_unknown_call(tmp_path: Path) -> None:
    view = the_view(
        scan_with(
            tmp_path,
            """
            import fastpay
            def view(request):
                fastpay.charge(5)
            """,
        )
    )
    assert reasons(view) == [
        "fastpay.charge: into fastpay, a C extension: there is no source to follow"
    ]


def test_a_package_missing_from_the_environment_is_an_unknown_call(tmp_path: Path) -> None:
    view = the_view(
        scan_with(
            tmp_path,
            """
            import missinglib
            def view(request):
                missinglib.go()
            """,
        )
    )
    assert reasons(view) == [
        "missinglib.go: into missinglib, which is not installed in the project's environment"
    ]


def test_calling_a_value_that_cannot_be_resolved_is_an_unknown_call(tmp_path: Path) -> None:
    # The real shape: a view that delegated to `LoginView.as_view(...)` was listed with no
    # effects and no unknown calls, which let an unsafe rewrite through.
    view = the_view(
        scan_with(
            tmp_path,
            """
            from django.contrib.auth.views import LoginView
            def view(request):
                login = LoginView.as_view(template_name="x.html")
                return login(request)
            """,
            venv=False,
        )
    )
    assert reasons(view) == ["login: calls a value the analysis could not resolve"]


def test_the_python_flag_names_the_environment(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {"shop/views.py": "import payclient\ndef view(request):\n    payclient.charge(1)\n"},
    )
    venv = make_venv(tmp_path / "elsewhere")
    result = scan_project(tmp_path, python=str(venv / "bin" / "python"))
    assert calls(the_view(result), "http") == ["requests.post"]
    assert result.installed is not None and result.installed.source == "--python"


def test_an_active_virtualenv_is_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv = make_venv(tmp_path / "env")
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    found = project_environment(tmp_path, None)
    assert found is not None and found.source == "VIRTUAL_ENV"
    assert found.site_packages == (venv / "lib" / "python3.11" / "site-packages",)


# Not flagged -----------------------------------------------------------------------------


def test_a_library_without_io_adds_nothing(tmp_path: Path) -> None:
    result = scan_with(
        tmp_path,
        """
        import quietlib
        def view(request):
            return quietlib.compute(3)
        """,
    )
    view = the_view(result)
    assert view.effects == () and view.unknown_calls == ()
    assert result.installed is not None
    assert [lib.name for lib in result.installed.followed] == ["quietlib"]


@pytest.mark.parametrize("venv", [True, False])
def test_stdlib_and_django_calls_are_not_unknown(tmp_path: Path, venv: bool) -> None:
    view = the_view(
        scan_with(
            tmp_path,
            """
            import json
            from django.utils import timezone
            def view(request):
                return json.dumps({"now": str(timezone.now())})
            """,
            venv=venv,
        )
    )
    assert view.unknown_calls == ()


def test_a_catalogued_library_is_not_followed(tmp_path: Path) -> None:
    result = scan_with(
        tmp_path,
        """
        import requests
        def view(request):
            requests.get("http://127.0.0.1/", timeout=1)
        """,
    )
    view = the_view(result)
    assert calls(view, "http") == ["requests.get"]
    assert result.installed is not None and result.installed.followed == ()


def test_unreached_modules_are_never_parsed_and_the_project_wins(tmp_path: Path) -> None:
    result = scan_with(
        tmp_path,
        """
        import payclient
        from shop.models import Book
        def view(request):
            payclient.charge(len(Book.objects.all()))
        """,
    )
    assert result.parse_errors == ()
    assert result.installed is not None
    assert [lib.name for lib in result.installed.followed] == ["payclient"]
    assert sorted(calls(the_view(result))) == ["django.db.models.QuerySet.__len__", "requests.post"]
    # The project's own (manage.main, the view; Author, Book): installed code is not counted.
    assert (result.stats.functions, result.stats.classes) == (2, 2)


def test_method_calls_on_unknown_objects_stay_quiet(tmp_path: Path) -> None:
    view = the_view(
        scan_with(
            tmp_path,
            """
            def helper(x):
                return x
            def view(request):
                name = request.GET.get("name", "").strip()
                run = helper
                return run(name.upper())
            """,
            venv=False,
        )
    )
    assert view.unknown_calls == ()


def test_calling_a_lambda_is_not_unknown_its_body_is_read_in_place(tmp_path: Path) -> None:
    view = the_view(
        scan_with(
            tmp_path,
            """
            from shop.models import Book
            def view(request):
                lookup = lambda pk: Book.objects.get(pk=pk).title
                return lookup(1)
            """,
            venv=False,
        )
    )
    assert view.unknown_calls == ()
    assert calls(view, "db") == ["django.db.models.QuerySet.get"]


def test_a_class_imported_in_the_function_is_not_unknown(tmp_path: Path) -> None:
    view = the_view(
        scan_with(
            tmp_path,
            """
            def view(request):
                from shop.models import Book
                book = Book(title="x")
                return str(book)
            """,
            venv=False,
        )
    )
    assert view.unknown_calls == ()


def test_an_installed_module_goes_through_the_facts_cache(tmp_path: Path) -> None:
    scan_with(
        tmp_path,
        "import payclient\ndef view(request):\n    payclient.charge(1)\n",
        use_cache=True,
    )
    source = (tmp_path / ".venv/lib/python3.11/site-packages/payclient/api.py").read_bytes()
    cache = FactsCache(tmp_path / ".advisor_cache", fingerprint())
    assert cache.get(cache.key(source)) is not None


def test_a_missing_interpreter_is_one_finding_and_the_scan_goes_on(tmp_path: Path) -> None:
    result = scan_with(
        tmp_path,
        "def view(request):\n    return None\n",
        venv=False,
        python=str(tmp_path / "no-such-python"),
    )
    messages = [f.message for f in result.findings if f.kind == "environment"]
    assert messages == [
        f"--python {tmp_path / 'no-such-python'}: no such interpreter; installed packages "
        "are not followed"
    ]
    assert result.installed is None


def test_site_packages_are_asked_of_an_interpreter_that_is_not_a_venv() -> None:
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    if not base.exists() or (base.parent.parent / "pyvenv.cfg").exists():
        pytest.skip(f"no base interpreter at {base}")
    found = site_packages(base)
    assert found and all(path.is_dir() for path in found)


def test_the_terminal_and_explain_say_what_was_followed(tmp_path: Path) -> None:
    from advisor.cli import explain_text
    from advisor.reporters.to_terminal import render_terminal_text

    result = scan_with(tmp_path, "import payclient\ndef view(request):\n    payclient.charge(1)\n")
    text = render_terminal_text(result)
    assert "Followed into installed packages (.venv): payclient 1.2 (2 modules)" in text
    explained = explain_text(the_view(result), result.installed)
    assert "  followed into installed packages: payclient 1.2 (" in explained


def test_no_line_without_an_environment(tmp_path: Path) -> None:
    from advisor.cli import explain_text
    from advisor.reporters.to_terminal import render_terminal_text

    result = scan_with(tmp_path, "def view(request):\n    return None\n", venv=False)
    assert "installed packages" not in render_terminal_text(result).lower()
    assert "installed packages" not in explain_text(the_view(result), result.installed)


def test_super_past_the_project_classes_is_not_a_library(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {
            "shop/views.py": """
from django.views.generic import TemplateView
class V(TemplateView):
    template_name = "x.html"
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
""",
            "urls.py": 'from django.urls import path\nfrom shop.views import V\n'
            'urlpatterns = [path("v/", V.as_view())]\n',
        },
    )
    for venv in (False, True):
        if venv:
            make_venv(tmp_path)
        view = scan_project(tmp_path).view("shop.views.V")
        assert view is not None and view.unknown_calls == (), venv


# The score: a wait inside installed code stays blocking after the rewrite ----------------


def test_a_view_whose_http_is_inside_a_library_needs_work_not_a_clean_conversion(
    tmp_path: Path,
) -> None:
    view = the_view(
        scan_with(
            tmp_path,
            """
            import payclient
            def view(request):
                payclient.charge(5)
            """,
        )
    )
    assert view.score is not None
    assert view.score.category.value == "candidate (needs work)"
    (blocker,) = [b for b in view.score.blockers if b.id == "library-io"]
    assert "payclient" in blocker.message
    assert blocker.location is not None and blocker.location.path == "shop/views.py"


def test_http_in_the_project_s_own_code_is_no_library_blocker(tmp_path: Path) -> None:
    view = the_view(
        scan_with(
            tmp_path,
            """
            import requests
            import quietlib
            def view(request):
                quietlib.compute(2)
                return requests.get("http://127.0.0.1/", timeout=1)
            """,
        )
    )
    assert view.score is not None
    assert view.score.category.value == "strong candidate"
    assert not [b for b in view.score.blockers if b.id == "library-io"]


def test_an_async_view_calling_a_blocking_library_stays_async_but_blocking(
    tmp_path: Path,
) -> None:
    view = the_view(
        scan_with(
            tmp_path,
            """
            import payclient
            async def view(request):
                payclient.charge(5)
            """,
        )
    )
    assert view.score is not None
    assert view.score.category.value == "async but blocking"
    assert not [b for b in view.score.blockers if b.id == "library-io"]
