"""One conversion policy (advisor/policy.py) for the score and the rewrite: on the same
project and Django version, a view the rewrite skips for a policy reason has that reason
as a blocker in the scan, and a view the rewrite converts has no policy blocker (what it
carries out, such as LoginRequiredMixin from 5.2, is a cost)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.policy import ROWS, Outcome, PolicyRow

VIEWS = '''\
import time

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import JsonResponse
from django.views import View
from django.views.decorators.http import require_POST

from shop.audit import audited


@audited
def audited_wait(request):
    time.sleep(0.2)
    return JsonResponse({})


@require_POST
def post_wait(request):
    time.sleep(0.2)
    return JsonResponse({})


class MemberWait(LoginRequiredMixin, View):
    def get(self, request):
        time.sleep(0.2)
        return JsonResponse({})


class StaffWait(PermissionRequiredMixin, View):
    permission_required = "shop.view"

    def get(self, request):
        time.sleep(0.2)
        return JsonResponse({})
'''
URLS = '''\
from django.urls import path

from shop import views

urlpatterns = [
    path("a/", views.audited_wait),
    path("p/", views.post_wait),
    path("m/", views.MemberWait.as_view()),
    path("s/", views.StaffWait.as_view()),
]
'''
POLICY_RULES = {"decorator", "auth-mixin", "auth-backend", "generic-cbv", "drf", "class-handlers"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "shop").mkdir(parents=True)
    (root / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n'
    )
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "settings.py").write_text('ROOT_URLCONF = "shop.urls"\n')
    (root / "shop" / "audit.py").write_text("def audited(view):\n    return view\n")
    (root / "shop" / "views.py").write_text(VIEWS)
    (root / "shop" / "urls.py").write_text(URLS)
    return root


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("version", "converted"),
    [("5.2", {"shop.views.MemberWait", "shop.views.post_wait"}), ("4.2", set())],
)
def test_score_blockers_and_rewrite_skips_agree(
    project: Path, version: str, converted: set[str]
) -> None:
    scan = json.loads(
        invoke("scan", str(project), "--format", "json", "--django-version", version, "--no-cache")
    )
    rewrite = json.loads(
        invoke(
            "rewrite", str(project), "--min-score", "0", "--format", "json",
            "--django-version", version,
        )  # fmt: skip
    )
    outcomes = {o["view"]: o for o in rewrite["outcomes"]}
    for view in scan["views"]:
        blockers = [
            b for b in view["score"]["blockers"]
            if b["id"] in POLICY_RULES and b["severity"] == "blocker"
        ]  # fmt: skip
        outcome = outcomes[view["id"]]
        if blockers:
            assert outcome["outcome"] == "skipped", view["id"]
            assert blockers[0]["message"] in outcome["reason"], view["id"]
        else:
            assert outcome["outcome"] == "changed", (view["id"], outcome["reason"])
    assert {v for v, o in outcomes.items() if o["outcome"] == "changed"} == converted
    member = next(v for v in scan["views"] if v["id"] == "shop.views.MemberWait")
    (mixin,) = [b for b in member["score"]["blockers"] if b["id"] == "auth-mixin"]
    assert mixin["severity"] == ("cost" if version == "5.2" else "blocker")


def test_policy_rows_are_typed_and_version_gated() -> None:
    login = next(r for r in ROWS if r.what.endswith("LoginRequiredMixin"))
    assert isinstance(login, PolicyRow) and login.since == "5.2"
    assert login.outcome_at("5.2") == Outcome.CONVERTS
    assert login.outcome_at("5.1") == Outcome.BLOCKS
    post = next(r for r in ROWS if r.what.endswith("require_POST"))
    assert (post.outcome_at("4.2"), post.outcome_at("5.0")) == (Outcome.BLOCKS, Outcome.ALLOWED)
