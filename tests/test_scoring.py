"""advisor/scoring.py on hand-built views: the time model, the capacity model (requests/s per
worker, sync against async), the score as a function of released worker time, the
categories and the blockers. No timing here: the measured side is benchmarks/async_benefit.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from advisor.config import ConfigError, Settings, build_settings
from advisor.model import (
    Category,
    ChainLink,
    Effect,
    EffectKind,
    Location,
    MiddlewareInfo,
    Observed,
    ProjectFacts,
    Score,
    View,
    ViewKind,
)
from advisor.capacity import capacity_cell, capacity_reason, estimate_capacity
from advisor.scoring import score_view

HERE = Location("shop/views.py", 10)
PROJECT = ProjectFacts(
    root=".",
    settings_module="settings",
    root_urlconf="urls",
    django_version="5.2",
    django_version_source=None,
    asgi_application=None,
    asgi_entry_points=(),
    asgi_servers=(),
    middleware=(),
    database_engines=("django.db.backends.sqlite3",),
    conn_max_age=None,
    atomic_requests=False,
    uses_drf=False,
    uses_adrf=False,
)
# The defaults, spelled out so the arithmetic below reads on its own.
SETTINGS = dataclasses.replace(
    Settings(),
    worker_threads=4,
    concurrency=16,
    latencies_ms=tuple(
        {
            **dict(Settings().latencies_ms),
            "request_cpu": 2.0,
            "thread_hop": 0.1,
            # Left out here for round numbers; test_asgi_and_client_cpu_count puts them back.
            "asgi_request_cpu": 0.0,
            "http_call_cpu": 0.0,
        }.items()
    ),
)


def effect(kind: EffectKind, ms: float, call: str = "", **fields: object) -> Effect:
    values: dict[str, object] = {
        "kind": kind,
        "call": call or f"{kind.value}.call",
        "location": HERE,
        "chain": (ChainLink("shop.views.view", HERE),),
        "detail": "",
        "latency_class": kind.value,
        "estimated_ms": ms,
    }
    values.update(fields)
    return Effect(**values)  # type: ignore[arg-type]


def http(ms: float = 100.0, **fields: object) -> Effect:
    return effect(EffectKind.HTTP, ms, "requests.get", rewrite="http_client", **fields)


def db(ms: float = 4.0) -> Effect:
    return effect(EffectKind.DB, ms, "django.db.models.QuerySet.get")


def view(
    *effects: Effect, is_async: bool = False, kind: ViewKind = ViewKind.FUNCTION, **fields: object
) -> View:
    return View(
        id="shop.views.view",
        location=HERE,
        kind=kind,
        effects=effects,
        is_async=is_async,
        **fields,  # type: ignore[arg-type]
    )


def scored(*effects: Effect, settings: Settings = SETTINGS, **fields: Any) -> Score:
    return score_view(view(*effects, **fields), PROJECT, settings)


# --- Capacity ----------------------------------------------------------------------------


def test_three_upstream_calls_gain_the_ratio_of_requests_in_flight_to_threads() -> None:
    score = scored(http(), http(), http())
    capacity = score.capacity
    # Sync: 4 threads, each held for the whole request (300 ms of waiting + 2 ms of Django).
    assert capacity.sync_held_ms == pytest.approx(302.0)
    assert capacity.sync_rps == pytest.approx(4 * 1000 / 302, abs=0.01)
    assert capacity.sync_bound == "threads"
    # Async: the loop is held 2 ms; 16 requests overlap, each taking 302 ms.
    assert capacity.async_loop_ms == pytest.approx(2.0)
    assert capacity.async_rps == pytest.approx(16 * 1000 / 302, abs=0.01)
    assert capacity.async_bound == "concurrency"
    assert capacity.ratio == pytest.approx(4.0, abs=0.01)
    # Gathered, the three calls take 100 ms: more requests per worker again.
    assert score.predicted_gathered_ms == pytest.approx(100.0)
    assert capacity.gathered_rps == pytest.approx(16 * 1000 / 102, rel=0.01)
    assert capacity.gathered_ratio > capacity.ratio


def test_latency_does_not_improve_but_capacity_does_and_the_reasons_say_both() -> None:
    score = scored(http(), http(), http())
    assert score.predicted_async_ms == score.predicted_sync_ms == pytest.approx(300.0)
    latency = next(r for r in score.reasons if r.startswith("latency per request"))
    assert "300 ms sync → 300 ms async (100 ms gathered)" in latency
    assert "capacity, not latency" in latency
    assert score.reasons[-1] == capacity_reason(score.capacity)
    assert "13 req/s sync (4 threads, each held 302 ms) → 53 req/s async" in score.reasons[-1]
    assert capacity_cell(score.capacity) == "13→53 x4.0"


def test_no_gain_when_fewer_requests_are_in_flight_than_threads() -> None:
    few = dataclasses.replace(SETTINGS, concurrency=2)
    capacity = scored(http(), settings=few).capacity
    assert capacity.ratio == pytest.approx(1.0, abs=0.01)


def test_a_db_only_view_gains_nothing_it_only_adds_thread_hops() -> None:
    score = scored(db(), db())
    capacity = score.capacity
    # ORM time counts as CPU: both modes are bound by one process's CPU (10 ms a request).
    assert capacity.sync_cpu_ms == pytest.approx(10.0)
    assert capacity.async_cpu_ms == pytest.approx(10.2)
    assert capacity.sync_bound == "cpu"
    assert capacity.async_bound == "cpu"
    assert capacity.sync_rps == pytest.approx(100.0)
    assert capacity.async_rps == pytest.approx(1000 / 10.2, abs=0.01)
    assert capacity.ratio < 1.0
    assert score.category == Category.LITTLE
    assert score.value == 0


def test_work_that_stays_in_a_thread_gets_the_same_threads_as_sync() -> None:
    email = effect(EffectKind.EMAIL, 120.0, "django.core.mail.send_mail")
    score = scored(email)
    capacity = score.capacity
    assert capacity.async_thread_ms == pytest.approx(120.1)
    assert capacity.async_bound == "threads"
    assert capacity.ratio == pytest.approx(122 / 120.1, abs=0.01)
    assert score.category == Category.KEEP_SYNC


def test_cpu_on_the_event_loop_bounds_async() -> None:
    template = effect(EffectKind.TEMPLATE, 20.0, "django.shortcuts.render")
    capacity = scored(http(), template).capacity
    assert capacity.async_loop_ms == pytest.approx(22.0)
    assert capacity.async_bound in ("event loop", "cpu")
    assert capacity.async_rps == pytest.approx(1000 / 22, abs=0.01)


def test_an_async_view_that_blocks_holds_the_loop_and_loses_capacity() -> None:
    blocking = http(blocking=True, awaited=False)
    score = scored(blocking, is_async=True)
    assert score.category == Category.ASYNC_BLOCKING
    capacity = score.capacity
    assert capacity.async_loop_ms == pytest.approx(102.0)
    assert capacity.async_bound == "event loop"
    assert capacity.async_rps == pytest.approx(1000 / 102, abs=0.01)
    assert capacity.ratio < 0.5
    assert score.overlap_ms == 0.0  # nothing is released while it blocks


def test_an_async_view_that_awaits_releases_the_loop() -> None:
    awaited = http(blocking=False, awaited=True)
    score = scored(awaited, is_async=True)
    assert score.category == Category.ALREADY_ASYNC
    assert score.capacity.async_loop_ms == pytest.approx(2.0)
    assert score.capacity.ratio == pytest.approx(4.0, abs=0.01)


def test_the_stated_upstream_latency_is_the_configured_one() -> None:
    settings = build_settings(Path("/nonexistent"), latencies_ms={"external_http": 100.0})
    capacity = scored(http(settings.latency("external_http")), settings=settings).capacity
    assert capacity.upstream_ms == 100.0
    assert (capacity.worker_threads, capacity.concurrency) == (4, 16)


def test_estimate_capacity_never_divides_by_zero() -> None:
    nothing = dataclasses.replace(
        SETTINGS, latencies_ms=tuple({**dict(SETTINGS.latencies_ms), "request_cpu": 0}.items())
    )
    capacity = estimate_capacity(
        sync_ms=0,
        async_ms=0,
        gathered_ms=0,
        cpu_ms=0,
        db_ms=0,
        http_calls=0,
        thread_ms=0,
        hops_ms=0,
        loop_blocking_ms=0,
        settings=nothing,
    )
    assert capacity.sync_rps > 0 and capacity.async_rps > 0
    assert capacity.ratio == pytest.approx(1.0)


def test_asgi_and_client_cpu_count() -> None:
    settings = dataclasses.replace(
        SETTINGS,
        latencies_ms=tuple(
            {**dict(SETTINGS.latencies_ms), "asgi_request_cpu": 3.0, "http_call_cpu": 1.0}.items()
        ),
    )
    capacity = scored(http(), http(), settings=settings).capacity
    # 2 ms of Django + 2 outbound calls of 1 ms, and 3 ms more under ASGI, on the loop.
    assert capacity.sync_cpu_ms == pytest.approx(4.0)
    assert capacity.async_loop_ms == pytest.approx(7.0)
    assert capacity.async_cpu_ms == pytest.approx(7.0)
    # Sync time held is the wait plus Django's own CPU: the client CPU is inside the call.
    assert capacity.sync_held_ms == pytest.approx(202.0)


@pytest.mark.parametrize("key", ["worker_threads", "concurrency"])
def test_worker_shape_comes_from_tool_advisor(tmp_path: Path, key: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.advisor]\n{key} = 8\n")
    assert getattr(build_settings(tmp_path), key) == 8
    (tmp_path / "pyproject.toml").write_text(f"[tool.advisor]\n{key} = 0\n")
    with pytest.raises(ConfigError, match="at least 1"):
        build_settings(tmp_path)


# --- The score: share and weight of released worker time --------------------------------------


def test_score_is_the_released_share_of_held_time_at_full_weight() -> None:
    # 150 ms released of 152 ms held; 150 ms >= 2 * min_overlap_ms, so full weight.
    assert scored(http(150.0)).value == round(100 * 150 / 152)
    # Half the held time released: half the score (templates cost no conversion work).
    assert scored(http(150.0), effect(EffectKind.TEMPLATE, 148.0)).value == 50


def test_a_few_ms_released_weigh_little_however_large_their_share() -> None:
    # 10 ms released of 12 ms held: share 0.83, weight 10 / 40.
    score = scored(http(10.0))
    assert score.value == round(100 * (10 / 12) * (10 / 40))
    assert score.category == Category.LITTLE


def test_categories_follow_the_released_time_and_blockers() -> None:
    assert scored(http(150.0)).category == Category.STRONG
    assert scored().category == Category.KEEP_SYNC
    assert scored(effect(EffectKind.CPU, 200.0)).category == Category.KEEP_SYNC
    generic = scored(http(150.0), kind=ViewKind.GENERIC_CLASS)
    assert generic.category == Category.NEEDS_WORK
    assert any(b.id == "generic-cbv" for b in generic.blockers)
    assert generic.value < scored(http(150.0)).value


def test_gathering_needs_two_independent_direct_calls() -> None:
    in_loop = scored(http(in_loop=True), http(in_loop=True))
    assert in_loop.predicted_gathered_ms == pytest.approx(200.0)
    in_helper = http(chain=(ChainLink("a", HERE), ChainLink("b", HERE)))
    assert scored(in_helper, http()).predicted_gathered_ms == pytest.approx(200.0)
    assert scored(http(), http(50.0)).predicted_gathered_ms == pytest.approx(100.0)


def test_atomic_requests_blocks_every_view() -> None:
    project = dataclasses.replace(PROJECT, atomic_requests=True)
    score = score_view(view(http(150.0)), project, SETTINGS)
    assert [b.id for b in score.blockers if b.severity == "blocker"] == ["atomic-requests"]
    assert score.category == Category.NEEDS_WORK


def test_sync_only_middleware_is_a_reason() -> None:
    middleware = (MiddlewareInfo("shop.middleware.Timing", "sync-only", ""),)
    project = dataclasses.replace(PROJECT, middleware=middleware)
    score = score_view(view(http()), project, SETTINGS)
    assert any("1 sync-only middleware" in r for r in score.reasons)


def test_an_unknown_decorator_is_a_blocker_as_the_rewrite_skips_it() -> None:
    # One policy (advisor/policy.py): the rewrite cannot tell that @audit awaits the view,
    # so it skips it; the score says the same thing instead of calling it a small cost.
    score = scored(http(150.0), decorators=("shop.decorators.audit",))
    (blocker,) = [b for b in score.blockers if b.id == "decorator"]
    assert blocker.severity == "blocker"
    assert "convert by hand" in blocker.advice
    assert score.category == Category.NEEDS_WORK


def test_login_required_mixin_is_a_cost_where_the_rewrite_converts_it() -> None:
    mixin = "django.contrib.auth.mixins.LoginRequiredMixin"
    for version, severity in (("5.2", "cost"), ("5.1", "blocker")):
        project = dataclasses.replace(PROJECT, django_version=version)
        score = score_view(
            view(http(150.0), kind=ViewKind.CLASS, bases=(mixin, "django.views.View")),
            project,
            SETTINGS,
            (mixin,),
        )
        (found,) = [b for b in score.blockers if b.id == "auth-mixin"]
        assert found.severity == severity, version
    denied = dataclasses.replace(PROJECT, auth_backends_without_aget_user=("shop.auth.Legacy",))
    score = score_view(
        view(http(150.0), kind=ViewKind.CLASS, bases=(mixin,)), denied, SETTINGS, (mixin,)
    )
    (found,) = [b for b in score.blockers if b.id == "auth-backend"]
    assert found.severity == "blocker" and "aget_user" in found.message


# --- Observed counts (advisor observe) ----------------------------------------------------


def observed(requests: int = 4, sql: float = 0.0, http_calls: float = 0.0) -> Observed:
    return Observed(
        requests=requests,
        direct_calls=0,
        sql_per_request=sql,
        sql_ms_per_request=0.5 * sql,
        http_per_request=http_calls,
        http_ms_per_request=1.0 * http_calls,
    )


def test_observed_counts_replace_the_predicted_ones_in_the_time_model() -> None:
    # Predicted 2 queries and 3 calls; the test run made 6 queries and 1 call per request.
    score = scored(db(), db(), http(), http(), http(), observed=observed(sql=6, http_calls=1))
    assert score.thread_ms == pytest.approx(24.0)  # 6 x 4 ms
    assert score.overlap_ms == pytest.approx(100.0)  # 1 x 100 ms
    assert score.predicted_sync_ms == pytest.approx(124.0)
    notes = [r for r in score.reasons if r.startswith("the test run made")]
    assert len(notes) == 2
    assert "6 SQL queries per request over 4 requests, the code analysis predicted 2" in notes[0]


def test_a_prediction_the_run_never_observed_is_kept() -> None:
    score = scored(http(), db(), observed=observed(sql=1, http_calls=0))
    assert score.overlap_ms == pytest.approx(100.0)
    assert not any(r.startswith("the test run made") for r in score.reasons)
    unobserved = scored(http(), db())
    assert unobserved.predicted_sync_ms == score.predicted_sync_ms


def test_observed_counts_that_match_change_nothing() -> None:
    plain = scored(http(), db(), db())
    seen = scored(http(), db(), db(), observed=observed(sql=2, http_calls=1))
    assert (seen.value, seen.predicted_sync_ms, seen.capacity) == (
        plain.value,
        plain.predicted_sync_ms,
        plain.capacity,
    )


# --- What the reports show ------------------------------------------------------------------


def test_terminal_shows_released_time_and_capacity_not_equal_latencies(
    sample_projects: Path,
) -> None:
    from advisor.reporters.to_terminal import render_terminal_text
    from snippets import scan_project

    text = render_terminal_text(
        scan_project(sample_projects / "bookshop", use_cache=False), width=160
    )
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if line.lstrip().startswith("released"))
    header = lines[top] + " " + lines[top + 1]
    assert "released" in header and "per request" in header
    assert "req/s per worker" in header and "sync→async" in header
    assert "io→async" not in header
    quotes = next(line for line in lines if "shipping.views.shipping_quotes" in line)
    assert "450 ms" in quotes and "8.8→35 x4.0" in quotes
    listing = next(line for line in lines if "catalog.views.book_list " in line)
    assert " 0 ms" in listing and "100→76 x0.8" in listing
    assert "one sync worker with 4 threads → one event loop, 16 requests in flight" in text


# --- Paths and already-async views (issue 17) ----------------------------------------------


def test_exclusive_branches_cost_their_dearest_arm_and_say_so() -> None:
    cheap = effect(EffectKind.TEMPLATE, 4.0, "django.shortcuts.render", branches=("v#1=0",))
    dear = http(150.0, branches=("v#1=1",))
    score = scored(cheap, dear, db())
    assert score.predicted_sync_ms == 154.0  # the HTTP arm and the query, not the render
    assert any("costliest path" in r and "leaving out 1 effect" in r for r in score.reasons)
    assert score.overlap_ms == 150.0


def test_an_already_async_view_with_nothing_to_wait_on_is_told_it_costs_capacity() -> None:
    settings = dataclasses.replace(
        SETTINGS,
        latencies_ms=tuple({**dict(SETTINGS.latencies_ms), "asgi_request_cpu": 3.0}.items()),
    )
    score = scored(is_async=True, settings=settings)
    assert score.category == Category.ALREADY_ASYNC
    # 2 ms of Django's CPU sync (500 req/s, CPU-bound) against 5 ms on the loop (200 req/s):
    # the health-check case, measured 0.43x by benchmarks/async_benefit.py.
    assert score.capacity.ratio == 0.4
    assert any("being async costs capacity" in r for r in score.reasons)
