"""The accuracy harness's comparison rules and its ground-truth hook, on small fixtures, plus
one real project measured end to end against the recorded figures (the ratchet)."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import unittest.mock
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from realprojects import compare  # noqa: E402
from realprojects.projects import PROJECTS  # noqa: E402

from advisor.runtime import observer as hook  # noqa: E402

ROOT = "/src/project"


@pytest.mark.parametrize(
    ("regex", "path"),
    [
        (r"^token/(?P<pk>\d+)/$", "token/<int:pk>/"),
        (r"^api/^token/refresh/$", "api/token/refresh/"),
        (r"^complete/(?P<backend>[^/]+)/$", "complete/<str:backend>/"),
        (r"^files/(?P<path>.*)\Z", "files/<path:path>"),
        (r"^p3/serviceValidate/?$", "p3/serviceValidate/"),
        (r"^a\.b/(?:x|y)/$", "a.b/x|y/"),
    ],
)
def test_regex_and_path_syntax_normalise_to_one_spelling(regex: str, path: str) -> None:
    assert compare.normalise_pattern(regex) == compare.normalise_pattern(path)


def test_different_routes_stay_different() -> None:
    assert compare.normalise_pattern("token/<int:pk>/") != compare.normalise_pattern("token/<pk>")
    assert compare.normalise_pattern(r"^(\d+)/$") == "<>/"


def _truth_route(pattern: str, view: str, file: str, urlconf: str = "urls") -> dict[str, str]:
    return {"urlconf": urlconf, "pattern": pattern, "name": None, "view": view, "file": file}


def test_served_routes_leave_out_framework_views_and_match_namespaced_includes() -> None:
    truth = {
        "routes": [
            _truth_route(
                "admin/login/",
                "django.contrib.admin.sites.AdminSite.login",
                "/venv/lib/python3.11/site-packages/django/contrib/admin/sites.py",
            ),
            _truth_route("^cas/^login/?$", "cas.views.LoginView", f"{ROOT}/cas/views.py"),
            _truth_route("ns/callback/", "oidc.views.Callback", f"{ROOT}/oidc/views.py", "other"),
            {"urlconf": "broken", "error": "ImportError"},
        ]
    }
    served = compare.served_routes(truth, [ROOT])
    assert served == {
        compare.RouteKey("cas/login/", "cas.views.LoginView"),
        compare.RouteKey("ns/callback/", "oidc.views.Callback"),
    }
    scan = {
        "views": [
            {"id": "cas.views.LoginView", "routes": [{"pattern": "cas/login/"}]},
            {"id": "oidc.views.Callback", "routes": []},
            {"id": "oidc.views.Logout", "routes": [{"pattern": "logout/"}]},
        ]
    }
    figures = compare.compare_routes(served, compare.static_routes(scan))
    assert (figures.served, figures.found, figures.invented) == (2, 1, 1)
    assert figures.missed == ["ns/callback/ -> oidc.views.Callback"]
    assert figures.recall == 0.5


class _ProviderView:
    def dispatch(self, request: object) -> None: ...


def _adapter_view(view_class: type) -> object:
    def view(request: object) -> object:
        return view_class().dispatch(request)

    return view


def test_per_provider_closures_resolve_to_the_class_they_close_over() -> None:
    callback = _adapter_view(_ProviderView)
    assert hook.view_identity(callback) == f"{__name__}._ProviderView"
    truth = {
        "routes": [
            _truth_route(f"{provider}/callback/", hook.view_identity(callback), f"{ROOT}/v.py")
            for provider in ("github", "gitlab")
        ]
    }
    assert len(compare.served_routes(truth, [ROOT])) == 2


def _decorated_view(request: object) -> None: ...


def test_view_identity_unwraps_decorators_partials_and_class_views() -> None:
    @functools.wraps(_decorated_view)
    def wrapper(request: object) -> None: ...

    assert hook.view_identity(wrapper) == f"{__name__}._decorated_view"
    assert hook.view_identity(functools.partial(_decorated_view)) == f"{__name__}._decorated_view"

    def as_view(request: object) -> None: ...

    as_view.view_class = _ProviderView  # type: ignore[attr-defined]
    assert hook.view_identity(as_view) == f"{__name__}._ProviderView"


def test_effects_recall_and_precision_over_exercised_views() -> None:
    truth = {
        "views": {
            "a.v1": {"file": f"{ROOT}/a.py", "requests": 2, "sql": 2, "http": 1},
            "a.v2": {"file": f"{ROOT}/a.py", "requests": 1, "sql": 0, "http": 0},
            "a.v3": {"file": f"{ROOT}/a.py", "requests": 1, "sql": 1, "http": 0},
            "django.views.static.serve": {"file": "/venv/site-packages/x.py", "sql": 9},
        }
    }
    exercised = compare.exercised_views(truth, [ROOT])
    assert sorted(exercised) == ["a.v1", "a.v2", "a.v3"]
    predicted = {"a.v1": {"db", "http"}, "a.v2": {"db"}, "a.v3": set()}
    db = compare.compare_effects(exercised, predicted, "db")
    assert (db.observed, db.predicted, db.both) == (2, 2, 1)
    assert (db.recall, db.precision) == (0.5, 0.5)
    assert db.missed == ["a.v3"] and db.phantom == ["a.v2"]
    http = compare.compare_effects(exercised, predicted, "http")
    assert (http.recall, http.precision) == (1.0, 1.0)


def test_a_double_of_a_querying_function_is_observed_db_work() -> None:
    truth = {"views": {"a.v": {"file": f"{ROOT}/a.py", "requests": 1, "sql": 0, "http": 0,
                               "db_doubles": 1}}}
    db = compare.compare_effects(compare.exercised_views(truth, [ROOT]), {"a.v": {"db"}}, "db")
    assert (db.observed, db.both, db.phantom) == (1, 1, [])


def test_truth_ids_take_the_scans_name_for_the_same_file() -> None:
    """A suite that imports pkg/tests/urls.py as `tests.urls` names its views by that."""
    truth = {
        "views": {"tests.urls.Login": {"file": f"{ROOT}/pkg/tests/urls.py", "sql": 1}},
        "routes": [{"pattern": "login/", "view": "tests.urls.Login",
                    "file": f"{ROOT}/pkg/tests/urls.py"}],
    }
    scan = {"views": [
        {"id": "pkg.tests.urls.Login", "location": {"path": "pkg/tests/urls.py"}},
        # Same dotted tail, another file: not the same view.
        {"id": "other.tests.urls.Login", "location": {"path": "other/tests/urls.py"}},
    ]}
    renamed = compare.scan_names(truth, scan, ROOT)
    assert list(renamed["views"]) == ["pkg.tests.urls.Login"]
    assert renamed["routes"][0]["view"] == "pkg.tests.urls.Login"


def test_newly_failing_names_tests_that_passed_before_the_rewrite() -> None:
    baseline = {
        "t1": {"outcome": "passed"},
        "t2": {"outcome": "passed"},
        "t3": {"outcome": "failed"},
        "t4": {"outcome": "passed"},
    }
    after = {"t1": {"outcome": "passed"}, "t2": {"outcome": "error"}, "t3": {"outcome": "failed"}}
    assert compare.newly_failing(baseline, after) == ["t2", "t4"]
    figures = compare.suite_figures(after)
    assert (figures.total, figures.passed, figures.failed, figures.errors) == (3, 1, 1, 1)


def _posts_upstream(url: str) -> object:
    return requests.post(url, timeout=5)


def _pure(value: int) -> int:
    return value + 1


def test_http_role_knows_clients_and_functions_that_send_through_them() -> None:
    assert hook.http_role(requests) == "module"
    assert hook.http_role(requests.Session) == "class"
    assert hook.http_role(requests.post) == "call"
    assert hook.http_role(requests.Session.post) == "call"
    assert hook.http_role(_posts_upstream) == "call"
    assert hook.http_role(requests.Response) is None
    assert hook.http_role(_pure) is None
    assert hook.http_role(json) is None


def test_double_counts_only_the_calls_that_send() -> None:
    module_double = unittest.mock.MagicMock()
    module_double.post("https://idp/token").json()
    module_double.get("https://idp/userinfo")
    assert module_double.codes.ok  # an attribute read sends nothing
    assert hook._double_count(module_double, "module:requests") == 2

    class_double = unittest.mock.MagicMock()
    class_double().post("https://idp/token")
    assert hook._double_count(class_double, "class:Session") == 1

    call_double = unittest.mock.MagicMock()
    call_double("https://idp/token").json()
    call_double("https://idp/token")
    assert hook._double_count(call_double, "call:post") == 2


def test_every_pinned_project_is_distinct_and_pinned() -> None:
    names = [p.name for p in PROJECTS]
    assert len(names) == len(set(names)) >= 6
    for project in PROJECTS:
        assert all("==" in requirement for requirement in project.requirements), project.name


def test_every_pinned_project_says_what_it_teaches_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    teaches = readme.split("| project | what it teaches |", 1)[1].split("\n\n", 1)[0]
    rows = {line.split(" | ")[0].lstrip("| ") for line in teaches.splitlines()[2:]}
    assert rows == {f"{p.name} {p.version}" for p in PROJECTS}
    assert all(p.why for p in PROJECTS)


@pytest.mark.slow
def test_smallest_real_project_keeps_its_recorded_figures(tmp_path: Path) -> None:
    """The ratchet: the harness on django-paypal must not fall below the committed figures."""
    recorded = json.loads((REPO / "benchmarks" / "accuracy_recorded.json").read_text())
    assert "django-paypal" in recorded
    out = tmp_path / "paypal.json"
    completed = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "accuracy.py"),
            "--only",
            "django-paypal",
            "--check",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        # Its own work trees: a harness run elsewhere on this machine must not share them.
        env={**os.environ, "ADVISOR_ACCURACY_WORK": str(tmp_path / "work")},
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    measured = json.loads(out.read_text())["django-paypal"]
    assert measured["error"] is None
    assert measured["figures"]["baseline_passed"] == recorded["django-paypal"]["baseline_passed"]


def test_ranking_counts_http_views_as_candidates_and_db_only_views_as_strong() -> None:
    exercised = {
        "a.http": compare.ViewTruth("a.http", requests=1, http=2),
        "a.http_kept": compare.ViewTruth("a.http_kept", requests=1, http=1, sql=3),
        "a.db": compare.ViewTruth("a.db", requests=1, sql=2),
        "a.db_strong": compare.ViewTruth("a.db_strong", requests=1, sql=1),
        "a.idle": compare.ViewTruth("a.idle", requests=1),
    }
    category = {"a.http": "strong candidate", "a.http_kept": "keep sync",
                "a.db": "little benefit", "a.db_strong": "strong candidate"}
    assert compare.ranking(exercised, category) == {
        "http_views": 2, "http_views_candidates": 1, "db_only_views": 2, "db_only_strong": 1,
    }
