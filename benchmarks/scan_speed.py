"""How fast `advisor scan` is on about a million lines of real Django code, against the floor
for any Python tool (a bare single-process `ast.parse` of the same files), cold and warm,
with peak memory, for each package of the corpus and for the whole corpus as one tree. Run
from a checkout whose virtualenv has the project installed:

    python benchmarks/scan_speed.py            # downloads ~160 MB of wheels once
    python benchmarks/scan_speed.py --total-only
    python benchmarks/scan_speed.py --only wagtail --only pretix   # some packages, no total

The pinned wheels are unpacked into benchmarks/.data/ (git-ignored). Each measurement is
its own subprocess, so start-up is included and peak RSS is per run.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
DATA = REPOSITORY / "benchmarks" / ".data"

# Real Django code as published on PyPI: the framework, the big CMSes and shops, and three
# whole Django applications (pretix, Weblate, Mayan EDMS). ~1.03M lines as advisor counts
# them (it skips migrations, static/ and the like). All pure-Python wheels.
PINNED = (
    "django==5.2.19",
    "wagtail==7.4.4",
    "django-allauth==65.21.1",
    "djangorestframework==3.18.3",
    "django-cms==5.1.3",
    "django-oscar==4.2.1",
    "django-filer==3.6.0",
    "django-extensions==4.1",
    "django-debug-toolbar==6.1.0",
    "pretix==2026.8.0",
    "weblate==5.14.3",
    "mayan-edms==4.12.2",
)
# The interpreter the wheels are chosen for, so every machine benchmarks the same files.
WHEEL_PYTHON = "3.11"

TARGET_COLD_X_FLOOR = 1.0
TARGET_WARM_X_COLD = 0.1
TARGET_RSS_MB_PER_MILLION_LINES = 1024


def fetch_corpus(data: Path) -> Path:
    """Download and unpack the pinned wheels once; later runs reuse them."""
    corpus = data / "corpus"
    marker = corpus / ".pinned"
    wanted = "\n".join(PINNED)
    if marker.is_file() and marker.read_text() == wanted:
        return corpus
    wheels = data / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    print(f"downloading {len(PINNED)} pinned wheels from PyPI into {wheels} ...", flush=True)
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--python-version", WHEEL_PYTHON, "--dest", str(wheels), *PINNED]  # fmt: skip
    result = subprocess.run(pip, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"pip download failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
    if corpus.exists():
        shutil.rmtree(corpus)
    wanted_wheels = {tuple(pin.replace("-", "_").lower().split("==")) for pin in PINNED}
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        if (name.lower(), version) not in wanted_wheels:
            continue  # a wheel left over from an older pin list
        target = corpus / wheel.name[: -len(".whl")]
        with zipfile.ZipFile(wheel) as archive:  # extract() refuses ../ and absolute names
            for member in archive.namelist():
                if member.endswith(".py"):
                    archive.extract(member, target)
    marker.write_text(wanted)
    return corpus


# --- Measuring one subprocess ---------------------------------------------------------------


@dataclass
class Run:
    label: str
    wall_s: float
    peak_rss_mb: float  # the largest single process (parent or a worker), from wait4
    tree_rss_mb: float  # all processes of the run together, sampled every 50 ms
    cpu_s: float  # user + system CPU of the process and its workers
    report: dict[str, Any] = field(default_factory=dict)


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def measure(
    label: str, command: list[str], *, env: dict[str, str] | None = None, timeout_s: float = 900
) -> Run:
    """Run `command`, return its wall time, its peak RSS (from wait4, so this run's alone)
    and its JSON stdout, if any."""
    peak_tree_kb = 0
    done = threading.Event()
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)

        def sample() -> None:
            nonlocal peak_tree_kb
            while not done.wait(0.05):
                tree = sum(_rss_kb(pid) for pid in _descendants(process.pid))
                peak_tree_kb = max(peak_tree_kb, tree)

        sampler = threading.Thread(target=sample, daemon=True)
        if os.path.isdir("/proc"):
            sampler.start()
        timer = threading.Timer(timeout_s, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)  # reaps it: Popen must not wait too
        finally:
            timer.cancel()
            done.set()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if sampler.is_alive():
            sampler.join()
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{label}: exit {process.returncode}\n{err.decode()[-2000:]}")
    peak_kb = usage.ru_maxrss  # Linux: KiB; the largest of the process and its children
    report: dict[str, Any] = json.loads(out) if out.strip() else {}
    cpu = usage.ru_utime + usage.ru_stime
    return Run(label, wall, peak_kb / 1024, max(peak_tree_kb, peak_kb) / 1024, cpu, report)


# --- The floor ------------------------------------------------------------------------------


def floor_main(root: Path) -> None:
    """Runs in its own process: read and `ast.parse` every file advisor would scan."""
    sys.path.insert(0, str(REPOSITORY))
    from advisor.files import SourceFile, discover

    paths = [item.path for item in discover(root) if isinstance(item, SourceFile)]
    started = time.perf_counter()
    started_cpu = time.process_time()
    lines = 0
    for path in paths:
        source = path.read_bytes()
        lines += source.count(b"\n")
        try:  # noqa: SIM105 - a bare try costs nothing; suppress() would inflate the floor
            ast.parse(source)
        except (SyntaxError, ValueError):
            pass
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - started_cpu
    json.dump(
        {"files": len(paths), "lines": lines, "seconds": elapsed, "cpu_seconds": cpu}, sys.stdout
    )


# --- How much parallelism the machine gives right now -----------------------------------


def _burn(loops: int) -> float:
    started = time.perf_counter()
    total = 0
    for number in range(loops):
        total += number
    return time.perf_counter() - started


def parallel_speedup(jobs: int, loops: int = 20_000_000) -> float:
    """How many times more work `jobs` processes did than one in the same time: 2.0 on two
    idle cores, less when other work (or a busy host) shares them."""
    from concurrent.futures import ProcessPoolExecutor

    alone = _burn(loops)
    with ProcessPoolExecutor(jobs) as pool:
        started = time.perf_counter()
        list(pool.map(_burn, [loops] * jobs))
        together = time.perf_counter() - started
    return jobs * alone / together


# --- Scans ----------------------------------------------------------------------------------


def scan_command(corpus: Path, output: Path, *flags: str) -> list[str]:
    # The JSON report is built and written (reporting cost included), to a file rather than
    # a terminal so rendering noise stays out.
    return [
        sys.executable,
        "-m",
        "advisor",
        "scan",
        str(corpus),
        "--format",
        "json",
        "--output",
        str(output),
        *flags,
    ]


def scan_environment() -> dict[str, str]:
    """The scans run advisor as an installed copy would: from compiled bytecode (pip compiles
    a package when it installs it), whatever PYTHONDONTWRITEBYTECODE this shell has."""
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_advisor() -> None:
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPOSITORY / "advisor")],
        env=scan_environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def startup_s(repeat: int = 5) -> tuple[float, float]:
    """The interpreter's own start-up (`python -c pass`) and with advisor's command line
    imported, best of `repeat`: the part of any scan no cache can take away."""
    env = scan_environment()
    bare = [sys.executable, "-c", "pass"]
    cli = [sys.executable, "-c", "import advisor.cli"]
    return (
        min(measure("start-up", bare, env=env).wall_s for _ in range(repeat)),
        min(measure("start-up", cli, env=env).wall_s for _ in range(repeat)),
    )


def run_scan(label: str, corpus: Path, *flags: str) -> Run:
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "report.json"
        run = measure(label, scan_command(corpus, output, *flags), env=scan_environment())
        data = json.loads(output.read_text())
        run.report = {"stats": data["stats"], "timings": data["timings"]}
    return run


def best_of(repeat: int, make: Callable[[], Run]) -> Run:
    runs = [make() for _ in range(repeat)]
    return min(runs, key=lambda run: run.wall_s)


# --- Output ---------------------------------------------------------------------------------


def stage_split(run: Run) -> str:
    timings = run.report.get("timings")
    if not isinstance(timings, dict):
        return ""
    total = float(timings.get("total", 0.0))
    parts = [
        f"{name} {float(timings[name]):.2f}"
        for name in ("discover", "parse", "index", "views", "analysis", "result_cache")
        if name in timings
    ]
    parts.append(f"start-up+report {max(0.0, run.wall_s - total):.2f}")
    return ", ".join(parts)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


@dataclass
class Row:
    name: str
    lines: int
    floor_s: float
    floor_cpu_s: float
    cold: Run
    warm: Run

    @property
    def cold_x_floor(self) -> float:
        return self.cold.wall_s / self.floor_s if self.floor_s else 0.0

    @property
    def warm_x_cold(self) -> float:
        return self.warm.wall_s / self.cold.wall_s if self.cold.wall_s else 0.0

    @property
    def cold_cpu_x_floor(self) -> float:
        return self.cold.cpu_s / self.floor_cpu_s if self.floor_cpu_s else 0.0

    @property
    def peak_mb(self) -> float:
        return max(self.cold.tree_rss_mb, self.warm.tree_rss_mb)


def measure_tree(name: str, root: Path, jobs: str, repeat: int) -> Row:
    """Floor, cold (empty cache) and warm (same cache again) scans of one tree."""
    floor_command = [sys.executable, __file__, "--floor-only", str(root)]
    floor = best_of(repeat, lambda: measure(f"floor {name}", floor_command))
    cache = root / ".advisor_cache"

    def cold() -> Run:
        shutil.rmtree(cache, ignore_errors=True)
        return run_scan(f"cold {name}", root, "--jobs", jobs)

    cold_run = best_of(repeat, cold)
    warm_run = best_of(repeat, lambda: run_scan(f"warm {name}", root, "--jobs", jobs))
    lines = int(cold_run.report["stats"]["lines"])
    return Row(
        name,
        lines,
        float(floor.report["seconds"]),
        float(floor.report["cpu_seconds"]),
        cold_run,
        warm_run,
    )


def print_rows(rows: list[Row]) -> None:
    header = (
        f"{'tree':<40} {'lines':>9} {'floor s':>8} {'cold s':>7} {'warm s':>7} "
        f"{'cold/floor':>10} {'warm/cold':>9} {'peak MB':>8} {'CPU s floor/cold':>17} "
        f"{'CPU x':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.name:<40} {row.lines:>9,} {row.floor_s:>8.2f} {row.cold.wall_s:>7.2f} "
            f"{row.warm.wall_s:>7.2f} {row.cold_x_floor:>10.2f} {row.warm_x_cold:>9.2f} "
            f"{row.peak_mb:>8.0f} {row.floor_cpu_s:>8.2f}/{row.cold.cpu_s:<8.2f} "
            f"{row.cold_cpu_x_floor:>6.2f}"
        )
    print(
        "(CPU s: the floor's parse loop / the cold scan's process and workers, start-up "
        "included; CPU x is their ratio, which other work on the machine hardly moves)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, help="scan this folder instead of the pinned PyPI corpus"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="--jobs for the scans (default: all cores)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each measurement N times and keep the fastest"
    )
    parser.add_argument(
        "--total-only", action="store_true", help="only the whole corpus, not each package"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="only the packages whose folder name contains NAME (repeatable), and no total",
    )
    parser.add_argument("--floor-only", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.floor_only is not None:
        floor_main(arguments.floor_only)
        return

    corpus = (arguments.corpus or fetch_corpus(DATA)).resolve()
    jobs = str(arguments.jobs)
    print(f"corpus: {corpus}")
    if arguments.corpus is None:
        print("  " + ", ".join(PINNED))
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, advisor from "
        f"{REPOSITORY}; at start: load average (1 min) {os.getloadavg()[0]:.2f}, "
        f"{arguments.jobs} processes ran {parallel_speedup(arguments.jobs):.2f}x the work of one",
        flush=True,
    )
    print(
        "floor: read + ast.parse of every file in one process, no start-up; cold: "
        f"`advisor scan --format json --output FILE --jobs {jobs}` with an empty cache; warm: "
        "the same again. Each scan is its own process: start-up and the report included.\n"
    )
    compile_advisor()
    bare_s, cli_s = startup_s()
    print(
        f"start-up (best of 5): python -c pass {bare_s:.3f} s, "
        f"python -c 'import advisor.cli' {cli_s:.3f} s\n",
        flush=True,
    )
    packages = (
        []
        if arguments.total_only
        else sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))
    )
    if arguments.only:
        packages = [p for p in packages if any(name in p.name for name in arguments.only)]
    rows = [measure_tree(p.name, p, jobs, arguments.repeat) for p in packages]
    if arguments.only:
        print_rows(rows)
        return
    total = measure_tree("TOTAL (the whole corpus as one tree)", corpus, jobs, arguments.repeat)
    print_rows([*rows, total])
    print("\nwhere the time goes, whole corpus (seconds, from the report's timings):")
    print(f"  cold: {stage_split(total.cold)}")
    print(f"  warm: {stage_split(total.warm)}")

    rss_per_million = total.peak_mb / (total.lines / 1e6)
    worst_warm = max([*rows, total], key=lambda row: row.warm_x_cold)
    print(
        f"\nat end: load average (1 min) {os.getloadavg()[0]:.2f}, {arguments.jobs} processes "
        f"ran {parallel_speedup(arguments.jobs):.2f}x the work of one (other work on the "
        "machine skews the timings)"
    )
    print("targets:")
    print(
        f"  cold <= {TARGET_COLD_X_FLOOR:.1f} x floor (whole corpus, {jobs} jobs): "
        f"{total.cold_x_floor:.2f} x -> {verdict(total.cold_x_floor <= TARGET_COLD_X_FLOOR)}"
    )
    print(
        f"  warm <= {TARGET_WARM_X_COLD:.1f} x cold for every tree: worst {worst_warm.name} "
        f"{worst_warm.warm_x_cold:.2f} x -> "
        f"{verdict(worst_warm.warm_x_cold <= TARGET_WARM_X_COLD)}"
    )
    # No scan starts faster than the interpreter itself: below 10x its start-up, a cold scan
    # leaves a warm one no room to be 0.1x of it.
    bound = [r for r in [*rows, total] if r.cold.wall_s < bare_s / TARGET_WARM_X_COLD]
    if bound:
        print(
            f"    out of reach where cold < {bare_s / TARGET_WARM_X_COLD:.2f} s (10 x the bare "
            f"interpreter's {bare_s:.3f} s start-up): "
            + ", ".join(f"{r.name} (cold {r.cold.wall_s:.2f} s)" for r in bound)
        )
    print(
        f"  peak RSS <= {TARGET_RSS_MB_PER_MILLION_LINES} MB per million lines (all processes "
        f"together): {rss_per_million:.0f} MB per million -> "
        f"{verdict(rss_per_million <= TARGET_RSS_MB_PER_MILLION_LINES)}"
    )


if __name__ == "__main__":
    main()
