"""What `advisor observe` costs: each accuracy-harness project's own suite, plain and
observed, alternately, in one run; prints the median wall times and their ratio.

    python benchmarks/observe_overhead.py [--only NAME] [--rounds 3]

The target (issue "Runtime truth…"): observed <= 1.3 x plain. Uses the harness's cached
sdists and virtualenvs (benchmarks/accuracy.py builds them).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from realprojects import environment  # noqa: E402
from realprojects.projects import PROJECTS, by_name  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="NAME")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    projects = [by_name(n) for n in args.only] if args.only else list(PROJECTS)
    print("| project | plain (median s) | observed (median s) | observed / plain |")
    print("|---|---|---|---|")
    ratios = []
    for project in projects:
        work = environment.work_root() / "overhead" / project.name
        tree = environment.unpack(project, environment.sdist(project, _log), work / "tree")
        env = environment.venv(project, tree, _log)
        plain: list[float] = []
        observed: list[float] = []
        for _ in range(args.rounds):
            plain.append(
                environment.run_suite(
                    project, env, tree, work / "plain.json", "plain", observed=False
                ).seconds
            )
            observed.append(
                environment.run_suite(
                    project, env, tree, work / "observed.json", "observed"
                ).seconds
            )
        ratio = statistics.median(observed) / statistics.median(plain)
        ratios.append(ratio)
        print(
            f"| {project.name} | {statistics.median(plain):.2f} | "
            f"{statistics.median(observed):.2f} | {ratio:.2f} |",
            flush=True,
        )
    print(f"\nworst ratio {max(ratios):.2f}, median {statistics.median(ratios):.2f}")
    return 0


def _log(message: str) -> None:
    print(message, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
