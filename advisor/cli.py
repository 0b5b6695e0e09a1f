"""The `advisor` command line. Thin: it parses flags, runs the pipeline, picks a reporter,
writes the output atomically and sets the exit code (0 ok, 1 --fail-on matched, 2 bad
input)."""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import click

from advisor import __version__
from advisor.config import ConfigError, Settings, build_settings
from advisor.model import Category, ScanResult, View, to_dict

# The analysis (pipeline, reporters, scoring) is imported when a command needs it, so that
# `advisor observe`, which wraps a test run, adds as little start-up time as it can.


def scan(path: Path, settings: Settings) -> ScanResult:
    from advisor.pipeline import scan as run

    return run(path, settings)


def reporters() -> dict[str, Any]:
    from advisor.reporters import reporters as available

    return dict(available())


def reporter_named(name: str) -> Any:
    from advisor.reporters import reporter_named as named

    return named(name)


def capacity_cell(capacity: Any) -> str:
    from advisor.scoring import capacity_cell as cell

    return cell(capacity)


_CATEGORIES = [c.value for c in Category]


def write_atomically(path: Path, text: str) -> None:
    """Write next to the target and rename, so a reader never sees half a file."""
    path = path.resolve()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        # mkstemp makes the file private (0600); a report is for sharing, so use the mode a
        # plain open() would have given: 0666 less the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _fail(message: str) -> None:
    click.echo(f"advisor: error: {message}", err=True)
    sys.exit(2)


def _parse_latencies(values: tuple[str, ...]) -> dict[str, float] | None:
    if not values:
        return None
    parsed: dict[str, float] = {}
    for value in values:
        name, _, ms = value.partition("=")
        try:
            parsed[name.strip()] = float(ms)
        except ValueError:
            _fail(f"--latency takes CLASS=MS (e.g. external_http=200), not {value!r}")
    return parsed


def _check_writable(target: Path) -> None:
    """Refuse a report path that cannot be written before any work is done."""
    if target.is_dir():
        _fail(f"{target}: is a directory; name a file")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        _fail(f"{target}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        _fail(f"{target}: not writable")


_VERSION = re.compile(r"\d+\.\d+")


def _settings(path: Path, **flags: Any) -> Settings:
    version = flags.get("django_version")
    if version is not None and not _VERSION.fullmatch(str(version)):
        _fail(f"--django-version {version}: expected MAJOR.MINOR, such as 5.2")
    try:
        settings = build_settings(path, **flags)
    except ConfigError as error:
        _fail(str(error))
        raise AssertionError from error  # unreachable: _fail exits
    return settings


def run_scan(path: Path, settings: Settings) -> ScanResult:
    from advisor.pipeline import ScanError

    try:
        return scan(path, settings)
    except ScanError as error:
        _fail(str(error))
        raise AssertionError from error


def _common(function: Any) -> Any:
    options = [
        click.option(
            "--settings",
            "settings_module",
            metavar="MODULE",
            help="Django settings module (default: from manage.py, pytest or tox config, "
            "or settings.configure() in runtests.py/conftest.py).",
        ),
        click.option(
            "--django-version",
            metavar="X.Y",
            help="Target Django version (default: read from requirements).",
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="GLOB",
            help="Skip paths matching GLOB (repeatable).",
        ),
        click.option(
            "--latency",
            multiple=True,
            metavar="CLASS=MS",
            help="Override a latency class, e.g. external_http=300 (repeatable).",
        ),
        click.option(
            "--jobs",
            type=click.IntRange(min=1),
            default=None,
            help="Parse with N processes (default: all cores).",
        ),
        click.option("--no-cache", is_flag=True, help="Do not read or write .advisor_cache/."),
        click.option(
            "--resolve",
            is_flag=True,
            help="Take the routes from the project's own Django (runs it in a child process).",
        ),
        click.option(
            "--observed",
            metavar="FILE",
            help="Merge this `advisor observe` record (default: .advisor/observed.json).",
        ),
        click.option(
            "--python",
            metavar="PY",
            help="The project's interpreter for --resolve (default: active venv, .venv/).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _scan_flags(
    settings_module: str | None,
    django_version: str | None,
    exclude: tuple[str, ...],
    latency: tuple[str, ...],
    jobs: int | None,
    no_cache: bool,
    resolve: bool = False,
    python: str | None = None,
    observed: str | None = None,
) -> dict[str, Any]:
    return {
        "observed": observed,
        "resolve": resolve or None,
        "python": python,
        "settings_module": settings_module,
        "django_version": django_version,
        "excludes": exclude or None,
        "latencies_ms": _parse_latencies(latency),
        "jobs": jobs or (os.cpu_count() or 1),
        "use_cache": not no_cache,
    }


class _AdvisorGroup(click.Group):
    """Imports a subcommand's module only when it runs: `rewrite` pulls in libcst, which
    would add a third of a second to every `scan`."""

    _lazy: ClassVar[dict[str, tuple[str, str]]] = {
        "rewrite": ("advisor.rewrite", "rewrite_command"),
    }

    def invoke(self, ctx: click.Context) -> Any:
        # Ctrl-C is not a `--fail-on` match: exit 130, as shells expect (the caches are
        # written atomically, so an interrupted scan leaves them consistent).
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("advisor: interrupted", err=True)
            ctx.exit(130)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            module, attribute = self._lazy[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advisor")
def main() -> None:
    """Find the Django views worth converting to async, and convert them."""


@main.command("scan")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    default="terminal",
    type=click.Choice(["terminal", "json", "html", "sarif", "markdown"]),
    help="Report format.",
)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report here.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    help="Also write the HTML report to this file.",
)
@click.option(
    "--fail-on",
    multiple=True,
    type=click.Choice(_CATEGORIES),
    help="Exit 1 when any routed view falls in this category (repeatable).",
)
@_common
def scan_command(
    path: Path,
    output_format: str,
    output: Path | None,
    html_path: Path | None,
    fail_on: tuple[str, ...],
    **flags: Any,
) -> None:
    """Scan the Django project at PATH (never imports or runs it) and rank its views."""
    if not path.exists():
        _fail(f"{path}: no such directory")
    for target in (output, html_path):
        if target is not None:
            _check_writable(target)
    settings = _settings(path, **_scan_flags(**flags))
    result = run_scan(path, settings)
    render = reporter_named(output_format)
    if render is None:
        _fail(f"the {output_format} report is not available in this version")
    if output_format == "json" and output is None and sys.stdout.isatty():
        from advisor.reporters.to_json import json_text

        text = json_text(result, pretty=True)  # for reading; files and pipes get compact
    else:
        text = render(result)
    if output is not None:
        write_atomically(output, text)
        click.echo(f"advisor: wrote {output_format} report to {output}", err=True)
    else:
        click.echo(text, nl=False)
    if html_path is not None:
        render_html = reporter_named("html")
        if render_html is None:
            _fail("the HTML report is not available in this version")
        write_atomically(html_path, render_html(result))
        click.echo(f"advisor: wrote HTML report to {html_path}", err=True)
    failing = [
        v for v in result.routed_views if v.score is not None and v.score.category.value in fail_on
    ]
    if failing:
        click.echo(
            f"advisor: {len(failing)} view(s) in {', '.join(fail_on)}: "
            + ", ".join(v.id for v in failing[:5]),
            err=True,
        )
        sys.exit(1)


@main.command("views")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "output_format", default="table", type=click.Choice(["table", "json"]))
@_common
def views_command(path: Path, output_format: str, **flags: Any) -> None:
    """Print the route table: every URL pattern, its name and the view that serves it."""
    if not path.exists():
        _fail(f"{path}: no such directory")
    result = run_scan(path, _settings(path, **_scan_flags(**flags)))
    rows: list[dict[str, Any]] = []
    for view in result.views:
        handlers = ",".join(h.name for h in view.handlers)
        for route in view.routes:
            rows.append(
                {
                    "pattern": route.pattern,
                    "name": route.name,
                    "view": view.id,
                    "kind": view.kind.value,
                    "async": view.is_async,
                    "handlers": route.action or handlers,
                    "routed": True,
                }
            )
        if not view.routes:
            rows.append(
                {
                    "pattern": None,
                    "name": None,
                    "view": view.id,
                    "kind": view.kind.value,
                    "async": view.is_async,
                    "handlers": handlers,
                    "routed": False,
                }
            )
    for framework in result.framework_routes:
        rows.append(
            {
                "pattern": framework.pattern,
                "name": framework.name,
                "view": framework.target,
                "kind": f"framework:{framework.group}",
                "async": None,
                "handlers": "",
                "routed": True,
            }
        )
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "schema_version": result.schema_version,
                    "routes": rows,
                    "findings": to_dict(result.findings),
                },
                indent=2,
            )
        )
        return
    width = min(max((len(str(r["pattern"] or "")) for r in rows), default=10), 60)
    width = max(width, 10)
    for row in sorted(rows, key=lambda r: (not r["routed"], str(r["pattern"] or ""))):
        pattern = row["pattern"] if row["routed"] else "(not routed)"
        flag = {True: "async", False: "sync", None: "-"}[row["async"]]
        click.echo(
            f"{pattern:<{width}}  {row['name'] or '-':<36}  {row['view']:<48}  "
            f"{row['kind']:<14} {flag}"
        )
    for finding in result.findings:
        if finding.kind == "urlconf":
            click.echo(f"unresolved: {finding.location}: {finding.message}")
        elif finding.kind == "resolve":
            click.echo(finding.message)


def observed_lines(view: View) -> list[str]:
    """What the project's own test run saw this view do (`advisor observe`)."""
    seen = view.observed
    if seen is None:
        return []
    direct = f", {seen.direct_calls} called directly" if seen.direct_calls else ""
    lines = [
        f"  observed in the test run ({seen.requests} requests{direct}): "
        f"SQL {seen.sql_per_request:g}/request ({seen.sql_ms_per_request:.1f} ms), "
        f"outbound HTTP {seen.http_per_request:g}/request ({seen.http_ms_per_request:.1f} ms)"
    ]
    for site in seen.sites[:8]:
        lines.append(f"    [{site.kind}] {site.count}x  " + " → ".join(site.chain))
    for disagreement in seen.disagreements:
        lines.append(f"  ! {disagreement}")
    return lines


def explain_text(view: View) -> str:
    lines = [
        f"{view.id}  ({view.kind.value}{', async' if view.is_async else ''})",
        f"  defined at {view.location}",
    ]
    for route in view.routes:
        methods = f" [{','.join(route.methods)}]" if route.methods else ""
        seen = ""
        if route.observed is not None:
            seen = (
                f"  · observed {route.observed.requests} requests, SQL "
                f"{route.observed.sql_per_request:g}/request, HTTP "
                f"{route.observed.http_per_request:g}/request"
            )
        lines.append(f"  route /{route.pattern.lstrip('^')}  name={route.name}{methods}{seen}")
    if not view.routes:
        lines.append("  not routed: no URLconf reaches it")
    if view.decorators:
        lines.append("  decorators: " + ", ".join(view.decorators))
    if view.handlers:
        lines.append(
            "  handlers: "
            + ", ".join(f"{h.name}{' (async)' if h.is_async else ''}" for h in view.handlers)
        )
    score = view.score
    if score is not None:
        lines.append(f"  score {score.value}/100 · {score.category.value}")
        lines.append(
            f"  time: I/O ≈ {score.estimated_io_ms:.1f} ms (awaitable "
            f"{score.overlap_ms:.1f}, in threads {score.thread_ms:.1f}), CPU ≈ "
            f"{score.estimated_cpu_ms:.1f} ms; latency {score.predicted_sync_ms:.1f} → "
            f"{score.predicted_async_ms:.1f} ms (gathered {score.predicted_gathered_ms:.1f}); "
            f"req/s per worker {capacity_cell(score.capacity)}"
        )
        for reason in score.reasons:
            lines.append(f"  • {reason}")
        for blocker in score.blockers:
            where = f" ({blocker.location})" if blocker.location else ""
            lines.append(f"  {blocker.severity}: {blocker.message}{where}")
            lines.append(f"      → {blocker.advice}")
    lines.append(f"  effects ({len(view.effects)}):")
    for effect in view.effects:
        flags = []
        if effect.multiplier > 1:
            flags.append(f"{effect.multiplier}x in a loop")
        if effect.in_transaction:
            flags.append("in transaction")
        if not effect.blocking:
            flags.append("non-blocking")
        lines.append(
            f"    [{effect.kind.value}] {effect.call} at {effect.location} "
            f"≈ {effect.estimated_ms:.1f} ms · {effect.confidence.value}"
            + (f" · {', '.join(flags)}" if flags else "")
        )
        lines.append(f"        {effect.detail}")
        chain = " → ".join(f"{link.function} ({link.location})" for link in effect.chain)
        lines.append(f"        chain: {chain}")
        if effect.async_alternative:
            since = f" (Django {effect.alternative_since}+)" if effect.alternative_since else ""
            lines.append(f"        async: {effect.async_alternative}{since}")
    if view.observed is not None:
        lines.extend(observed_lines(view))
    if view.unknown_calls:
        lines.append(
            f"  unknown calls ({len(view.unknown_calls)}): the analysis could not follow these"
        )
        for unknown in view.unknown_calls:
            lines.append(f"    {unknown.expression} at {unknown.location}: {unknown.reason}")
    return "\n".join(lines) + "\n"


@main.command(
    "observe",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the record (default: .advisor/observed.json).",
)
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    help="The project's folder (default: the current one).",
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def observe_command(output: Path | None, root: Path, command: tuple[str, ...]) -> None:
    """Run the project's own tests (advisor observe -- python manage.py test) and record, per
    view, the SQL and outbound HTTP they really make. Exits with the command's code."""
    from advisor.runtime.observe import DEFAULT_OUTPUT, ObserveError, observe

    target = output or root / DEFAULT_OUTPUT
    if target.is_dir():
        _fail(f"{target}: is a directory")
    try:
        outcome = observe(command, root, target)
    except ObserveError as error:
        _fail(str(error))
        raise AssertionError from error
    click.echo(
        f"advisor: observed {outcome.requests} requests to {outcome.views} views "
        f"({outcome.views_with_sql} ran SQL, {outcome.views_with_http} made outbound HTTP) "
        f"in {outcome.seconds:.1f} s; wrote {target}",
        err=True,
    )
    sys.exit(outcome.returncode)


@main.command("explain")
@click.argument("path", type=click.Path(path_type=Path))
@click.argument("view_id")
@click.option("--format", "output_format", default="text", type=click.Choice(["text", "json"]))
@_common
def explain_command(path: Path, view_id: str, output_format: str, **flags: Any) -> None:
    """Show one view's effects, each with its chain, location and confidence, and the
    reasoning behind its score."""
    if not path.exists():
        _fail(f"{path}: no such directory")
    result = run_scan(path, _settings(path, **_scan_flags(**flags)))
    view = result.view(view_id)
    if view is None:
        close = [v.id for v in result.views if view_id.split(".")[-1] in v.id][:5]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        _fail(f"no view {view_id!r} in {path}{hint}")
        return
    if output_format == "json":
        click.echo(json.dumps(to_dict(view), indent=2))
    else:
        click.echo(explain_text(view), nl=False)
