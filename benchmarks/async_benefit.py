"""Does converting the views `advisor` calls strong candidates pay off as predicted? Serves the
bookshop sample project under uvicorn twice, as it is (sync views) and after
`advisor rewrite --category "strong candidate" --write` of a temporary copy, with its stub
upstream adding a fixed latency; drives each converted view with a bounded concurrent load;
prints the report's predicted latencies next to the measured ones. Run from a checkout whose
virtualenv has the project installed:

    python benchmarks/async_benefit.py

Everything is bounded in count and time, stops by itself, talks only to 127.0.0.1, and works
on temporary copies (the sample project is never modified).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

REPOSITORY = Path(__file__).resolve().parent.parent
BOOKSHOP = REPOSITORY / "sample_projects" / "bookshop"
HOST = "127.0.0.1"

UPSTREAM_LATENCY_MS = 100  # what the stub adds to every upstream request
REQUESTS_PER_VIEW = 200
CONCURRENCY = 20
MAX_REQUESTS = 2000  # caps for the command-line overrides: the run stays bounded
MAX_CONCURRENCY = 100
WARM_UP_REQUESTS = 5
# One at a time, before the concurrent run: the latency of a request that queues behind no
# other, which is what the report predicts. The concurrent run adds queueing for CPU.
UNLOADED_REQUESTS = 20
VIEW_TIME_LIMIT_S = 90.0  # per view and phase; requests not done by then are counted as lost
WHOLE_RUN_LIMIT_S = 20 * 60
WITHIN = 0.30  # the target: measured async p50 within ±30% of the report's prediction

# How to request each bookshop view; `n` makes every request distinct where the view keeps
# state (the stub answers a parcel "in transit" on its first poll, "delivered" after).
RequestPath = Callable[[str, int], str]
RECIPES: dict[str, RequestPath] = {
    "shipping.views.shipping_quotes": lambda run, n: (
        "/shipping/quotes/?postcode=EH1+1AA&weight_g=750"
    ),
    "shipping.views.track_parcel": lambda run, n: f"/shipping/track/{run}-{n:05d}/",
    "catalog.views.recommendations": lambda run, n: f"/catalog/books/{1 + n % 6}/recommendations/",
    "catalog.views.book_list": lambda run, n: "/catalog/books/",
    "catalog.views.book_detail": lambda run, n: f"/catalog/books/{1 + n % 6}/",
    "pages.views.upstream_status": lambda run, n: "/upstream-status/",
}
# Driven in both phases although not converted: the control that should not move.
CONTROL_VIEWS = ("catalog.views.book_list",)


class OutOfTime(Exception):
    """The whole-run limit passed."""


# --- Processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def python(
    *arguments: str, cwd: Path, env: dict[str, str], timeout_s: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env=env,
        text=True,
        capture_output=True,
        timeout=timeout_s,
        check=False,
    )


def checked(result: subprocess.CompletedProcess[str], what: str) -> str:
    if result.returncode != 0:
        raise SystemExit(f"{what} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


@contextmanager
def background(
    command: list[str], *, cwd: Path, env: dict[str, str], ready_url: str, name: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server we own, wait until `ready_url` answers, always stop it (by its pid)."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"{name} exited: {log.read().decode()[-3000:]}")
                try:
                    if httpx.get(ready_url, timeout=1).status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name} did not answer {ready_url} within 30 s")
                time.sleep(0.1)
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


def proc_status(pid: int) -> tuple[int, int]:
    """(threads, RSS KiB) of a running process, from /proc; (0, 0) elsewhere."""
    threads = rss = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Threads:"):
                    threads = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return threads, rss


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far, from /proc; 0 elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- Project preparation --------------------------------------------------------------------


def copy_bookshop(destination: Path) -> Path:
    shutil.copytree(
        BOOKSHOP,
        destination,
        ignore=shutil.ignore_patterns("*.sqlite3", ".advisor_cache", "__pycache__"),
    )
    return destination


def advisor(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    return python("-m", "advisor", *arguments, cwd=cwd, env=env)


def predictions(project: Path) -> dict[str, dict[str, Any]]:
    """Each view's score from `advisor scan --format json`, with the latency class for
    outbound HTTP set to what the stub really adds (what a user would configure)."""
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "scan.json"
        checked(
            advisor(
                "scan",
                str(project),
                "--format",
                "json",
                "--output",
                str(output),
                "--no-cache",
                "--latency",
                f"external_http={UPSTREAM_LATENCY_MS}",
                cwd=project,
            ),
            "advisor scan",
        )
        data = json.loads(output.read_text())
    return {view["id"]: view for view in data["views"]}


def rewrite(project: Path) -> tuple[list[dict[str, Any]] | None, str]:
    """Run `advisor rewrite --write` on `project`; (outcomes, why not) when unavailable."""
    probe = advisor("rewrite", "--help", cwd=project)
    if probe.returncode != 0:
        return None, "advisor rewrite is not available in this checkout"
    result = advisor(
        "rewrite",
        str(project),
        "--category",
        "strong candidate",
        "--write",
        "--format",
        "json",
        cwd=project,
    )
    if result.returncode != 0:
        return None, f"advisor rewrite failed ({result.returncode}): {result.stderr[-1500:]}"
    outcomes: list[dict[str, Any]] = json.loads(result.stdout)["outcomes"]
    return outcomes, ""


def django_env(project: Path, database: Path, upstream: str) -> dict[str, str]:
    return dict(
        os.environ,
        BOOKSHOP_DB=str(database),
        BOOKSHOP_UPSTREAM=upstream,
        BOOKSHOP_DEBUG="0",
        DJANGO_SETTINGS_MODULE="bookshop.settings",
        PYTHONPATH=str(project),
    )


def prepare_database(project: Path, env: dict[str, str]) -> None:
    checked(python("manage.py", "migrate", "--noinput", "-v", "0", cwd=project, env=env), "migrate")
    checked(
        python("manage.py", "loaddata", "sample_catalog", "-v", "0", cwd=project, env=env),
        "loaddata",
    )


# --- Load -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests: int = REQUESTS_PER_VIEW
    concurrency: int = CONCURRENCY


@dataclass
class Measured:
    latencies_ms: list[float] = field(default_factory=list)
    unloaded_ms: list[float] = field(default_factory=list)
    errors: int = 0
    lost: int = 0  # not finished within VIEW_TIME_LIMIT_S
    elapsed_s: float = 0.0
    peak_threads: int = 0
    peak_rss_mb: float = 0.0
    server_cpu_s: float = 0.0  # CPU the server process used during the concurrent run
    first_error: str = ""

    def percentile(self, fraction: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def unloaded_p50(self) -> float:
        return statistics.median(self.unloaded_ms) if self.unloaded_ms else float("nan")

    @property
    def cpu_ms_per_request(self) -> float:
        done = len(self.latencies_ms)
        return self.server_cpu_s * 1000 / done if done else float("nan")

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0


async def drive(
    base_url: str, recipe: RequestPath, run: str, server_pid: int, load: Load
) -> Measured:
    """`load.requests` GETs by `load.concurrency` simulated users; latency per request."""
    measured = Measured()
    limits = httpx.Limits(
        max_connections=load.concurrency, max_keepalive_connections=load.concurrency
    )
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        for number in range(WARM_UP_REQUESTS):
            await client.get(recipe(f"{run}-warm", number))
        for number in range(UNLOADED_REQUESTS):
            started = time.perf_counter()
            response = await client.get(recipe(f"{run}-alone", number))
            if response.status_code == 200:
                measured.unloaded_ms.append((time.perf_counter() - started) * 1000)
        numbers = itertools.count()
        stop_sampling = asyncio.Event()

        async def sample() -> None:
            while not stop_sampling.is_set():
                threads, rss = proc_status(server_pid)
                measured.peak_threads = max(measured.peak_threads, threads)
                measured.peak_rss_mb = max(measured.peak_rss_mb, rss / 1024)
                await asyncio.sleep(0.02)

        async def user() -> None:
            while (number := next(numbers)) < load.requests:
                started = time.perf_counter()
                try:
                    response = await client.get(recipe(run, number))
                except httpx.HTTPError as error:
                    measured.errors += 1
                    measured.first_error = measured.first_error or repr(error)
                    continue
                if response.status_code != 200:
                    measured.errors += 1
                    measured.first_error = measured.first_error or (
                        f"HTTP {response.status_code}: {response.text[:200]}"
                    )
                    continue
                measured.latencies_ms.append((time.perf_counter() - started) * 1000)

        sampler = asyncio.create_task(sample())
        cpu_before = proc_cpu_s(server_pid)
        started = time.perf_counter()
        users = [asyncio.create_task(user()) for _ in range(load.concurrency)]
        _, late = await asyncio.wait(users, timeout=VIEW_TIME_LIMIT_S)
        measured.elapsed_s = time.perf_counter() - started
        measured.server_cpu_s = proc_cpu_s(server_pid) - cpu_before
        for task in late:
            task.cancel()
        stop_sampling.set()
        await sampler
    measured.lost = load.requests - len(measured.latencies_ms) - measured.errors
    return measured


def serve_and_drive(
    project: Path, phase: str, views: list[str], upstream: str, scratch: Path, load: Load
) -> dict[str, Measured]:
    """Migrate a fresh SQLite DB, load the fixture, serve under uvicorn, drive each view."""
    database = scratch / f"{phase.replace(' ', '-')}.sqlite3"
    env = django_env(project, database, upstream)
    prepare_database(project, env)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bookshop.asgi:application", "--host", HOST,
               "--port", str(port), "--workers", "1", "--no-access-log",
               "--log-level", "warning"]  # fmt: skip
    base_url = f"http://{HOST}:{port}"
    results: dict[str, Measured] = {}
    name = f"uvicorn ({phase})"
    with background(
        command, cwd=project, env=env, ready_url=f"{base_url}/health/", name=name
    ) as server:
        for view in views:
            print(f"  {phase}: {view} ...", flush=True)
            run = phase.split()[0].replace(",", "")
            results[view] = asyncio.run(drive(base_url, RECIPES[view], run, server.pid, load))
    return results


# --- The experiment that tells the rewrite's cost from the model's ----------------------------

SHARED_SSL_CONTEXT = (
    "import ssl as _benchmark_ssl\n"
    "_BENCHMARK_SSL_CONTEXT = _benchmark_ssl.create_default_context()\n"
)


def share_ssl_context(project: Path) -> list[str]:
    """Give every `httpx.AsyncClient(...)` in the rewritten copy one SSL context built at
    import time. Building one per client (what `httpx.AsyncClient()` does: it loads the CA
    bundle) costs ~25 ms of CPU on the event loop per request; this isolates that cost.
    The rewrite now shares one context per module itself (`verify=_SSL_CONTEXT`): files it
    wrote that way are left alone, and the phase is skipped when none is left."""
    changed = []
    for path in sorted(project.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "httpx.AsyncClient(" not in text or "import httpx\n" not in text:
            continue
        if "verify=" in text:
            continue
        text = text.replace("import httpx\n", "import httpx\n" + SHARED_SSL_CONTEXT, 1)
        text = text.replace(
            "httpx.AsyncClient(", "httpx.AsyncClient(verify=_BENCHMARK_SSL_CONTEXT, "
        )
        path.write_text(text, encoding="utf-8")
        changed.append(path.relative_to(project).as_posix())
    return changed


def client_construction_ms() -> tuple[float, float]:
    """CPU cost of `httpx.AsyncClient()` with its own SSL context, and with a shared one."""
    import ssl

    context = ssl.create_default_context()
    timings = []
    for verify in (True, context):
        started = time.perf_counter()
        for _ in range(20):
            httpx.AsyncClient(verify=verify)
        timings.append((time.perf_counter() - started) / 20 * 1000)
    return timings[0], timings[1]


def run_phases(
    before: Path,
    after: Path | None,
    views: list[str],
    scratch: Path,
    load: Load,
    *,
    shared_ssl: bool,
) -> list[tuple[str, dict[str, Measured]]]:
    """Start the stub upstream, then serve and drive each variant of the project in turn."""
    phases: list[tuple[str, dict[str, Measured]]] = []
    port = free_port()
    upstream = f"http://{HOST}:{port}"
    stub = [sys.executable, "-m", "bookshop.stub_upstream", "--port", str(port),
            "--latency-ms", str(UPSTREAM_LATENCY_MS)]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(before))
    with background(stub, cwd=before, env=env, ready_url=f"{upstream}/status", name="stub"):
        phases.append(("before", serve_and_drive(before, "before", views, upstream, scratch,
                                                 load)))  # fmt: skip
        if after is None:
            return phases
        phases.append(("after", serve_and_drive(after, "after", views, upstream, scratch,
                                                load)))  # fmt: skip
        variant = scratch / "after-shared-ssl" / "bookshop"
        shutil.copytree(after, variant)
        if shared_ssl and share_ssl_context(variant):
            measured = serve_and_drive(variant, "after-ssl", views, upstream, scratch, load)
            phases.append(("after, shared SSL", measured))
    return phases


# --- Report ---------------------------------------------------------------------------------


def ms(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.0f}"


def ratio(measured: float | None, predicted: float | None) -> str:
    if measured is None or predicted is None or measured != measured or not predicted:
        return "-"
    return f"{measured / predicted:.2f}"


def cells(measured: Measured | None, unloaded: bool) -> str:
    if unloaded:
        return f"{ms(measured.unloaded_p50 if measured else None):>9}"
    if measured is None:
        return f"{'-':>9} {'-':>5} {'-':>6} {'-':>4}"
    return (
        f"{ms(measured.p50):>9} {ms(measured.percentile(0.95)):>5} "
        f"{measured.throughput:>6.1f} {measured.peak_threads:>4}"
    )


def predicted_for(
    score: dict[str, Any], phase_number: int, view: str, converted: set[str]
) -> float | None:
    """What the report predicts for this run of the view: sync before the rewrite (and for
    views it did not convert), async after."""
    key = "predicted_async_ms" if phase_number and view in converted else "predicted_sync_ms"
    value = score.get(key)
    return float(value) if value is not None else None


def print_table(
    views: list[str],
    scores: dict[str, dict[str, Any]],
    phases: list[tuple[str, dict[str, Measured]]],
    converted: set[str],
    *,
    unloaded: bool,
) -> None:
    """One row per view: the prediction, the measurements per phase, measured / predicted."""
    width = 33
    header = f"{'view':<{width}} {'pred sync':>9} {'pred async':>10} {'gather':>6}"
    for name, _ in phases:
        header += f" | {name[:9]:>9}"
        if not unloaded:
            header += f" {'p95':>5} {'req/s':>6} {'thr':>4}"
    header += " | " + " ".join(f"{name[:9] + '/pred':>14}" for name, _ in phases)
    print(header)
    print("-" * len(header))
    for view in views:
        score = scores.get(view, {}).get("score") or {}
        label = view if view in converted else f"{view} (ctl)"
        row = f"{label:<{width}} {ms(score.get('predicted_sync_ms')):>9} "
        row += f"{ms(score.get('predicted_async_ms')):>10} "
        row += f"{ms(score.get('predicted_gathered_ms')):>6}"
        ratios = []
        for number, (_, results) in enumerate(phases):
            measured = results.get(view)
            row += " | " + cells(measured, unloaded)
            p50 = (
                None if measured is None else (measured.unloaded_p50 if unloaded else measured.p50)
            )
            ratios.append(ratio(p50, predicted_for(score, number, view, converted)))
        row += " | " + " ".join(f"{value:>14}" for value in ratios)
        print(row)


def print_server_cost(views: list[str], phases: list[tuple[str, dict[str, Measured]]]) -> None:
    """What each request cost the server process under load: CPU and threads."""
    block = 23  # " | " + 10 + 1 + 4 + 1 + 6 - 2
    print(f"{'':<33}" + "".join(f" | {name:^{block - 3}}" for name, _ in phases))
    header = f"{'view':<33}" + f" | {'CPU ms/req':>10} {'thr':>4} {'RSS MB':>6}" * len(phases)
    print(header)
    print("-" * len(header))
    for view in views:
        row = f"{view:<33}"
        for _, results in phases:
            measured = results.get(view)
            if measured is None:
                row += f" | {'-':>10} {'-':>4} {'-':>6}"
            else:
                row += (
                    f" | {measured.cpu_ms_per_request:>10.1f} {measured.peak_threads:>4} "
                    f"{measured.peak_rss_mb:>6.0f}"
                )
        print(row)


def print_verdicts(
    scores: dict[str, dict[str, Any]],
    phases: list[tuple[str, dict[str, Measured]]],
    converted: set[str],
) -> None:
    print(
        f"\ntarget: the converted views' measured async p50 within ±{WITHIN:.0%} of "
        "predicted_async_ms (under load; unloaded in brackets)"
    )
    for name, results in phases[1:]:
        for view in sorted(converted & set(results)):
            predicted = (scores.get(view, {}).get("score") or {}).get("predicted_async_ms")
            if not predicted:
                continue
            measured = results[view]
            off = measured.p50 / predicted - 1
            alone = measured.unloaded_p50 / predicted - 1
            verdict = "within" if abs(off) <= WITHIN else "OUTSIDE"
            print(
                f"  {name:<18} {view:<31} {measured.p50:>4.0f} ms vs {predicted:>4.0f} ms: "
                f"{off:+5.0%} ({verdict})  [unloaded {measured.unloaded_p50:.0f} ms: "
                f"{alone:+.0%}]"
            )


def print_problems(phase: str, results: dict[str, Measured]) -> None:
    for view, measured in results.items():
        if measured.errors or measured.lost:
            print(
                f"  {phase} {view}: {measured.errors} errors, {measured.lost} not finished "
                f"in {VIEW_TIME_LIMIT_S:.0f} s; first error: {measured.first_error}"
            )


def on_alarm(signum: int, frame: FrameType | None) -> None:
    raise OutOfTime(f"the whole run took longer than {WHOLE_RUN_LIMIT_S} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests",
        type=int,
        default=REQUESTS_PER_VIEW,
        help=f"requests per view and phase (max {MAX_REQUESTS})",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=CONCURRENCY,
        help=f"requests in flight (max {MAX_CONCURRENCY})",
    )
    parser.add_argument(
        "--no-shared-ssl",
        action="store_true",
        help="skip the third run (rewrite + one shared SSL context)",
    )
    arguments = parser.parse_args()
    load = Load(
        max(1, min(arguments.requests, MAX_REQUESTS)),
        max(1, min(arguments.concurrency, MAX_CONCURRENCY)),
    )
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(WHOLE_RUN_LIMIT_S)
    load_start = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="advisor-async-benefit-") as scratch_name:
        scratch = Path(scratch_name)
        before_project = copy_bookshop(scratch / "before" / "bookshop")
        scores = predictions(before_project)
        after_project = copy_bookshop(scratch / "after" / "bookshop")
        outcomes, why_not = rewrite(after_project)
        converted = {o["view"] for o in outcomes or [] if o["outcome"] == "changed"}
        strong = [
            view
            for view, data in scores.items()
            if (data.get("score") or {}).get("category") == "strong candidate"
        ]
        views = [view for view in strong if view in RECIPES] + list(CONTROL_VIEWS)
        missing = [view for view in strong if view not in RECIPES]
        cores = os.cpu_count() or 1
        asgiref = version("asgiref")

        print(
            f"bookshop under uvicorn {version('uvicorn')} (1 worker, {HOST} only), Django "
            f"{version('django')}, asgiref {asgiref}, httpx {version('httpx')}, Python "
            f"{sys.version.split()[0]}, {cores} cores (load generator, server and stub "
            "share them)"
        )
        print(
            f"stub upstream: +{UPSTREAM_LATENCY_MS} ms per request; load: {load.requests} "
            f"requests per view at concurrency {load.concurrency} (async httpx, after "
            f"{WARM_UP_REQUESTS} warm-up requests), limit {VIEW_TIME_LIMIT_S:.0f} s per view"
        )
        print(
            "sync views: Django's ASGIHandler opens a ThreadSensitiveContext per request, so "
            "asgiref runs each request's sync code in that request's own one-thread "
            f"executor: in effect one thread per request in flight (up to {load.concurrency} "
            f"here). ASGI_THREADS is not read by asgiref {asgiref}; the loop's default "
            "executor (sync_to_async(thread_sensitive=False)) has min(32, cores + 4) = "
            f"{min(32, cores + 4)} threads."
        )
        print(
            f"predictions: `advisor scan --format json --latency "
            f"external_http={UPSTREAM_LATENCY_MS}` of the unconverted project"
        )
        if outcomes is None:
            print(f"after: not run: {why_not}")
        else:
            for outcome in outcomes:
                notes = "; ".join(outcome.get("notes") or []) or outcome.get("reason", "")
                print(f"rewrite: {outcome['outcome']:<8} {outcome['view']}: {notes}")
        if missing:
            print(f"no request recipe (not driven): {', '.join(missing)}")
        print(flush=True)

        phases = run_phases(
            before_project,
            after_project if outcomes is not None else None,
            views,
            scratch,
            load,
            shared_ssl=not arguments.no_shared_ssl,
        )
        signal.alarm(0)

    print(f"\nunder load: {load.requests} requests at concurrency {load.concurrency}")
    print_table(views, scores, phases, converted, unloaded=False)
    print(f"\nunloaded: {UNLOADED_REQUESTS} requests one at a time (p50 ms)")
    print_table(views, scores, phases, converted, unloaded=True)
    print("\nserver process under load: CPU per request, peak threads, peak RSS")
    print_server_cost(views, phases)
    print(f"\nload average (1 min) at start {load_start:.2f}, at end {os.getloadavg()[0]:.2f}")
    print(
        "thr = peak threads of the uvicorn process during the view's run; X/pred = "
        "measured p50 / predicted_sync_ms for 'before' and for controls (ctl), "
        "/ predicted_async_ms for converted views after the rewrite"
    )
    if len(phases) > 2:
        own, shared = client_construction_ms()
        print(
            f"'after, shared SSL' = the rewrite's output with one SSL context passed to every "
            f"httpx.AsyncClient (building a client costs {own:.1f} ms of CPU with its own "
            f"SSL context, {shared:.1f} ms with a shared one, measured here)"
        )
    for name, results in phases:
        print_problems(name, results)
    print_verdicts(scores, phases, converted)


if __name__ == "__main__":
    main()
