"""The `advisor` command line. Thin: it parses flags, runs the pipeline, picks a reporter,
writes the output atomically and sets the exit code (0 ok, 1 --fail-on matched, 2 bad
input)."""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import click

from advisor import __version__
from advisor.config import ConfigError, Settings, build_settings
from advisor.rules import RuleParam

# The analysis (pipeline, reporters, scoring) and the result model are imported when a
# command needs them, so that `advisor observe`, which wraps a test run, adds as little
# start-up time as it can, and a re-scan whose report is cached (advisor.warm) never does.
if TYPE_CHECKING:
    from advisor.model import InstalledCode, ScanResult, View
    from advisor.warm import Prepared


def scan(path: Path, settings: Settings) -> ScanResult:
    from advisor.pipeline import scan as run

    return run(path, settings)


def scan_for_report(path: Path, settings: Settings, prepared: Prepared) -> tuple[ScanResult, bool]:
    """The result, and whether it is the one the result cache holds for `prepared.key` (so a
    report of it may be cached under that key too)."""
    from advisor.pipeline import scan_prepared
    from advisor.warm import ScanError

    try:
        return scan_prepared(prepared, settings)
    except ScanError as error:
        _fail(str(error))
        raise AssertionError from error


def reporters() -> dict[str, Any]:
    from advisor.reporters import reporters as available

    return dict(available())


def reporter_named(name: str) -> Any:
    from advisor.reporters import reporter_named as named

    return named(name)


def capacity_cell(capacity: Any) -> str:
    from advisor.capacity import capacity_cell as cell

    return cell(capacity)


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write next to the target and rename, so a reader never sees half a file."""
    from advisor.writer import WriteError, write_file

    try:
        write_file(path, text.encode("utf-8") if isinstance(text, str) else text)
    except WriteError as error:
        _fail(str(error))


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
    from advisor.warm import ScanError

    try:
        return scan(path, settings)
    except ScanError as error:
        _fail(str(error))
        raise AssertionError from error


def prepare_scan(path: Path, settings: Settings) -> Prepared:
    from advisor.warm import ScanError, prepare

    try:
        return prepare(path, settings)
    except ScanError as error:
        _fail(str(error))
        raise AssertionError from error


def urlconf_unread(result: ScanResult) -> tuple[str, bool] | None:
    """The finding that says the scan could not read the URLconf, and whether it is an error
    (settings found but broken) rather than a gap (no settings at all)."""
    from advisor.discovery.readable import NO_SETTINGS, URLCONF_UNREAD

    unread = next((f for f in result.findings if f.kind in (URLCONF_UNREAD, NO_SETTINGS)), None)
    return None if unread is None else (unread.message, unread.kind == URLCONF_UNREAD)


def check_urlconf(result: ScanResult, settings: Settings, gate: bool = False) -> None:
    check_unread(urlconf_unread(result), settings, gate)


def check_unread(unread: tuple[str, bool] | None, settings: Settings, gate: bool) -> None:
    """Exit 2 with one line when the scan could not read the URLconf (every view would look
    "not routed"): always when settings were found but are broken, and with a `--fail-on`
    gate even when there are none, unless `--allow-no-urlconf`. Otherwise one warning."""
    if unread is None or settings.allow_no_urlconf:
        return
    message, broken = unread
    if broken or gate:
        _fail(message)
    click.echo(f"advisor: warning: {message}", err=True)


def _common(function: Any, latency: bool = True) -> Any:
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
        *(
            [
                click.option(
                    "--latency",
                    multiple=True,
                    metavar="CLASS=MS",
                    help="Override a latency class, e.g. external_http=300 (repeatable).",
                )
            ]
            if latency
            else []
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
            help="The project's interpreter: --resolve runs it, and calls into its installed "
            "packages are followed (default: the active venv, else .venv/).",
        ),
        click.option(
            "--project",
            metavar="MANAGE_PY",
            help="In a folder holding several projects, scan this one (its manage.py).",
        ),
        click.option(
            "--allow-no-urlconf",
            is_flag=True,
            help="Scan on when no URLconf can be read (a library) instead of exiting 2.",
        ),
        click.option(
            "--no-default-excludes",
            is_flag=True,
            help="Also scan build/, dist/, node_modules/, migrations/ ... (virtualenvs stay out).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _common_without_latency(function: Any) -> Any:
    """`views` lists routes: latencies change no route, so it does not take --latency."""
    return _common(function, latency=False)


def _scan_flags(
    settings_module: str | None,
    django_version: str | None,
    exclude: tuple[str, ...],
    jobs: int | None,
    no_cache: bool,
    resolve: bool = False,
    python: str | None = None,
    observed: str | None = None,
    latency: tuple[str, ...] = (),
    project: str | None = None,
    allow_no_urlconf: bool = False,
    no_default_excludes: bool = False,
) -> dict[str, Any]:
    return {
        "project": project,
        "allow_no_urlconf": allow_no_urlconf or None,
        "default_excludes": () if no_default_excludes else None,
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


def _usage_line(error: click.UsageError) -> None:
    """A click usage error in two lines, not the usage block plus a blank line."""
    hint = ""
    if error.ctx is not None:
        hint = f"\n  (see: {error.ctx.command_path} --help)"
    click.echo(f"advisor: error: {error.format_message()}{hint}", err=True)


class _AdvisorGroup(click.Group):
    """Imports a subcommand's module only when it runs: `rewrite` pulls in libcst, which
    would add a third of a second to every `scan`."""

    _lazy: ClassVar[dict[str, tuple[str, str]]] = {
        "rewrite": ("advisor.rewrite", "rewrite_command"),
    }

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            _usage_line(error)
            sys.exit(2)

    def invoke(self, ctx: click.Context) -> Any:
        # Ctrl-C is not a `--fail-on` match: exit 130, as shells expect (the caches are
        # written atomically, so an interrupted scan leaves them consistent).
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("advisor: interrupted", err=True)
            ctx.exit(130)
        except click.UsageError as error:
            _usage_line(error)
            ctx.exit(2)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            module, attribute = self._lazy[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
        else:
            found = super().get_command(ctx, cmd_name)
            if found is None:
                return None
            command = found
        if not command.short_help and command.help:
            # The whole first sentence, not click's 45 characters and an ellipsis.
            first = " ".join(command.help.strip().split("\n\n")[0].split())
            command.short_help = first.split(". ")[0].rstrip(".")
        return command


@click.group(cls=_AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advisor")
def main() -> None:
    """Find the Django views worth converting to async, and convert them."""


class FormatParam(click.Choice):  # type: ignore[type-arg]
    """A report format by its name, or by a name another command used to take for it
    (`table` and `text` are the terminal report; `md` is Markdown)."""

    ALIASES: ClassVar[dict[str, str]] = {"table": "terminal", "text": "terminal", "md": "markdown"}

    def __init__(self, names: list[str]) -> None:
        super().__init__(names, case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value).lower()
        return super().convert(self.ALIASES.get(text, text), param, ctx)


_PATH = click.argument("path", type=click.Path(path_type=Path), default=Path("."), required=False)


@main.command("scan")
@_PATH
@click.option(
    "--format",
    "output_format",
    default="terminal",
    type=FormatParam(["terminal", "json", "html", "sarif", "markdown"]),
    help="Report format (`table` and `text` also name the terminal report).",
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
    type=RuleParam(),
    help="Exit 1 when a routed view reports this rule: a category (async-but-blocking, "
    "ADV101) or a blocker (transaction, ADV206). Repeatable.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Report only these rules (codes, slugs or prefixes such as ADV1; comma-separated "
    "or repeated).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="RULES",
    help="Do not report these rules (codes, slugs or prefixes).",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Findings listed in this file are known: --fail-on counts only new ones.",
)
@click.option(
    "--write-baseline",
    "write_baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the current findings to this file, to pass as --baseline later.",
)
@click.option(
    "--link-template",
    metavar="URL",
    help="HTML report: link file:line with this URL; {path} is relative to the repository "
    "root, e.g. 'https://github.com/o/r/blob/main/{path}#L{line}'.",
)
@click.option(
    "--traffic",
    "traffic_path",
    type=click.Path(path_type=Path),
    help="Requests per view: a CSV of route/URL name/view,requests per minute, or an access "
    "log (common/combined format). Ranks by worker time freed per minute.",
)
@_common
def scan_command(
    path: Path,
    output_format: str,
    output: Path | None,
    html_path: Path | None,
    fail_on: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline_path: Path | None,
    write_baseline_path: Path | None,
    link_template: str | None,
    traffic_path: Path | None,
    **flags: Any,
) -> None:
    """Scan the Django project at PATH (default: the current folder; never imports or runs
    it) and rank its views."""
    from advisor.rules import (
        BaselineError,
        active_codes,
        apply_suppressions,
        baseline_text,
        enabled_codes,
        expand,
        read_baseline,
        select_views,
    )

    if not path.exists():
        _fail(f"{path}: no such directory")
    if link_template is not None:
        from advisor.reporters.to_html import link_template_error

        problem = link_template_error(link_template)
        if problem:
            _fail(problem)
    for target in (output, html_path, write_baseline_path):
        if target is not None:
            _check_writable(target)
    try:
        enabled = enabled_codes(expand(select, "--select"), expand(ignore, "--ignore"))
        known = read_baseline(baseline_path) if baseline_path is not None else frozenset()
    except click.BadParameter as error:
        _fail(error.format_message())
        raise AssertionError from error
    except BaselineError as error:
        _fail(str(error))
        raise AssertionError from error
    settings = _settings(path, **_scan_flags(**flags))
    rates = None
    if traffic_path is not None:
        from advisor.traffic import TrafficError, read_traffic

        try:
            rates = read_traffic(traffic_path)
        except TrafficError as error:
            _fail(str(error))
    # A compact JSON report (the CI and tooling case) is cached under the result's key: an
    # unchanged re-scan writes it again without importing the analysis or the model.
    pretty = output_format == "json" and output is None and sys.stdout.isatty()
    cacheable_report = (
        output_format == "json"
        and not pretty
        and settings.use_cache
        and traffic_path is None
        and html_path is None
        and write_baseline_path is None
    )
    request = f"json\0{sorted(enabled) if enabled is not None else None}"
    prepared = prepare_scan(path, settings) if cacheable_report else None
    if prepared is not None:
        from advisor.warm import load_report

        mark = time.perf_counter()
        cached = load_report(prepared, request)
        if cached is not None:
            timings = {**prepared.timings, "result_cache": time.perf_counter() - mark}
            timings["total"] = time.perf_counter() - prepared.started
            check_unread(cached.unread, settings, gate=bool(fail_on))
            encoded = cached.encoded(cached.stats, {k: round(v, 4) for k, v in timings.items()})
            _emit_scan(encoded, output, output_format, None, None, None)
            _gate(cached.routed, fail_on, known, baseline_path)
            return
    if prepared is not None:
        result, stored = scan_for_report(path, settings, prepared)
    else:
        result, stored = run_scan(path, settings), False
    if rates is not None and traffic_path is not None:
        from advisor.traffic import apply_traffic

        result = apply_traffic(result, rates, str(traffic_path))
    result = select_views(apply_suppressions(result, path.resolve()), enabled)
    unread = urlconf_unread(result)
    check_unread(unread, settings, gate=bool(fail_on))
    if reporter_named(output_format) is None:
        _fail(f"the {output_format} report is not available in this version")
    routed = tuple((view.id, active_codes(view, enabled)) for view in result.routed_views)
    options = _report_options(path, result, link_template, output_format, html_path)
    text: str | bytes
    if output is not None and output_format == "terminal":
        # A file gets the plain text, as wide as a terminal would be, with no colour codes.
        from advisor.reporters.to_terminal import render_terminal_text

        text = render_terminal_text(result, colour=False, width=_terminal_width())
    elif pretty:
        from advisor.reporters.to_json import json_text

        text = json_text(result, pretty=True)  # for reading; files and pipes get compact
    elif prepared is not None:
        from advisor.model import to_dict
        from advisor.reporters.to_json import json_parts
        from advisor.warm import CachedReport, store_report

        parts = json_parts(result)
        stats = to_dict(result.stats)
        report = CachedReport(
            (parts[0].encode(), parts[1].encode(), parts[2].encode()),
            {**stats, "cached_files": result.stats.files},  # as the result cache stores it
            unread,
            routed,
        )
        if stored:
            store_report(prepared, request, report)
        text = report.encoded(stats, result.timings)
    else:
        text = _render(output_format, result, options)
    _emit_scan(text, output, output_format, html_path, result, options)
    if write_baseline_path is not None:
        write_atomically(write_baseline_path, baseline_text(result))
        click.echo(f"advisor: wrote the baseline to {write_baseline_path}", err=True)
    _gate(routed, fail_on, known, baseline_path)


def _emit_scan(
    text: str | bytes,
    output: Path | None,
    output_format: str,
    html_path: Path | None,
    result: ScanResult | None,
    options: Any,
) -> None:
    if output is not None:
        write_atomically(output, text)
        click.echo(f"advisor: wrote {output_format} report to {output}", err=True)
    else:
        # The reporter already chose colour (NO_COLOR, FORCE_COLOR, a tty): keep its codes.
        click.echo(text, nl=False, color=True)
    if html_path is not None and result is not None:
        if reporter_named("html") is None:
            _fail("the HTML report is not available in this version")
        write_atomically(html_path, _render("html", result, options))
        click.echo(f"advisor: wrote HTML report to {html_path}", err=True)


def _gate(
    routed: tuple[tuple[str, tuple[str, ...]], ...],
    fail_on: tuple[str, ...],
    known: frozenset[tuple[str, str]],
    baseline_path: Path | None,
) -> None:
    """`--fail-on`: exit 1 when a routed view (id, its active rule codes) reports one of the
    rules, unless the baseline lists that finding."""
    from advisor.rules import lookup

    if not fail_on:
        return
    wanted = set(fail_on)
    failing: list[tuple[str, list[str]]] = []
    in_baseline = 0
    for view_id, codes in routed:
        matched = [c for c in codes if c in wanted]
        new = [c for c in matched if (view_id, c) not in known]
        in_baseline += len(matched) - len(new)
        if new:
            failing.append((view_id, new))
    if in_baseline:
        click.echo(
            f"advisor: {_plural(in_baseline, 'finding')} already in {baseline_path}, not counted",
            err=True,
        )
    if failing:
        names = ", ".join(
            f"{code} {rule.slug}" for code in sorted(wanted) if (rule := lookup(code)) is not None
        )
        click.echo(
            f"advisor: {_plural(len(failing), 'view')} "
            f"{'reports' if len(failing) == 1 else 'report'} {names}: "
            + ", ".join(view_id for view_id, _ in failing[:5])
            + (f" (+{len(failing) - 5} more)" if len(failing) > 5 else ""),
            err=True,
        )
        sys.exit(1)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else noun + 's'}"


def _terminal_width() -> int:
    from rich.console import Console

    return Console(file=sys.stdout).width


REWRITE_PREVIEWS = 60  # views the HTML report asks the rewrite about


def _report_options(
    path: Path,
    result: ScanResult,
    link_template: str | None,
    output_format: str,
    html_path: Path | None,
) -> Any:
    """What the HTML report needs beyond the result: the link template, and what the
    rewrite does with each view the report offers a command for (the rewrite run in full,
    writing nothing)."""
    from advisor.reporters import ReportOptions, RewritePreview

    if output_format != "html" and html_path is None:
        return ReportOptions(link_template=link_template)
    from advisor.reporters.to_html import REWRITABLE

    # The rewrite's own pass costs ~0.3 s of CPU per view: the best-ranked views get its
    # answer, the rest a command with advice that holds either way.
    offered = [
        v for v in result.routed_views if v.score is not None and v.score.category in REWRITABLE
    ][:REWRITE_PREVIEWS]
    if not offered:
        return ReportOptions(link_template=link_template)  # no need to load libcst
    from advisor.rewrite import preview_outcomes

    try:
        outcomes = preview_outcomes(path.resolve(), result, offered)
    except Exception as error:  # the advice is optional; the report must still be written
        click.echo(f"advisor: note: the report's rewrite advice is left out ({error})", err=True)
        return ReportOptions(link_template=link_template)
    previews = {
        outcome.view_id: RewritePreview(outcome.status, outcome.reason, outcome.notes)
        for outcome in outcomes
    }
    return ReportOptions(link_template=link_template, rewrite=previews)


def _render(name: str, result: ScanResult, options: Any) -> str:
    from advisor.reporters import render_report

    return render_report(name, result, options)


def route_rows(result: ScanResult) -> list[dict[str, Any]]:
    """The route table's rows, as `advisor views --format json` gives them: `handlers` is a
    list, as in the scan JSON, and `route` the pattern as a user reads it."""
    from advisor.reporters.display import route_display

    rows: list[dict[str, Any]] = []
    for view in result.views:
        handlers = [h.name for h in view.handlers]
        for route in view.routes:
            rows.append(
                {
                    "route": route_display(route.pattern),
                    "pattern": route.pattern,
                    "name": route.name,
                    "view": view.id,
                    "kind": view.kind.value,
                    "async": view.is_async,
                    "handlers": [route.action] if route.action else handlers,
                    "routed": True,
                }
            )
        if not view.routes:
            rows.append(
                {
                    "route": None,
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
                "route": route_display(framework.pattern),
                "pattern": framework.pattern,
                "name": framework.name,
                "view": framework.target,
                "kind": f"framework:{framework.group}",
                "async": None,
                "handlers": [],
                "routed": True,
            }
        )
    return sorted(rows, key=lambda r: (not r["routed"], str(r["route"] or ""), r["view"]))


def _route_table(rows: list[dict[str, Any]]) -> str:
    """A header row, then one row per route; below 120 columns the name, kind and sync/async
    go under the view id so neither the routes nor the ids break."""
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table

    width = _terminal_width()
    wide = width >= 120
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, show_edge=False)
    table.add_column("route", overflow="fold", ratio=1)
    if wide:
        table.add_column("name", overflow="fold")
        table.add_column("view", overflow="fold", ratio=1)
        table.add_column("kind", no_wrap=True)
        table.add_column("sync/async", no_wrap=True)
    else:
        table.add_column("view · name · kind", overflow="fold", ratio=1)
    for row in rows:
        flag = {True: "async", False: "sync", None: "-"}[row["async"]]
        route = row["route"] if row["routed"] else "(not routed)"
        if wide:
            table.add_row(route, row["name"] or "-", row["view"], row["kind"], flag)
        else:
            details = [f"name {row['name']}"] if row["name"] else []
            details.append(row["kind"])
            if row["async"] is not None:
                details.append(flag)
            table.add_row(route, f"{row['view']}\n" + " · ".join(details))
    stream = io.StringIO()
    console = Console(file=stream, width=width, no_color=True, highlight=False, _environ={})
    console.print(table)
    return "\n".join(line.rstrip() for line in stream.getvalue().splitlines()) + "\n"


@main.command("views")
@_PATH
@click.option(
    "--format",
    "output_format",
    default="terminal",
    type=FormatParam(["terminal", "json"]),
    help="terminal (a table; `table` also works) or json.",
)
@_common_without_latency
def views_command(path: Path, output_format: str, **flags: Any) -> None:
    """Print the route table: every URL pattern, its name and the view that serves it."""
    if not path.exists():
        _fail(f"{path}: no such directory")
    settings = _settings(path, **_scan_flags(**flags))
    result = run_scan(path, settings)
    check_urlconf(result, settings)
    rows = route_rows(result)
    if output_format == "json":
        from advisor.model import to_dict

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
    if not rows:
        click.echo(
            f"No routes found in {path}: no URLconf was read and no view was found "
            "(is it a Django project? --settings MODULE names its settings).",
        )
    else:
        click.echo(_route_table(rows), nl=False)
        routed = sum(1 for r in rows if r["routed"])
        click.echo(f"{_plural(routed, 'route')}, {_plural(len(rows) - routed, 'view')} not routed")
    for finding in result.findings:
        if finding.kind == "urlconf":
            click.echo(f"unresolved: {finding.location}: {finding.message}")
        elif finding.kind in ("resolve", "test-urlconf"):
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


def explain_text(view: View, installed: InstalledCode | None = None) -> str:
    from advisor.reporters.display import route_display

    lines = [
        f"{view.id}  ({view.kind.value}{', async' if view.is_async else ''})",
        f"  defined at {view.location}",
    ]
    if installed is not None:
        # The installed libraries this view's evidence passes through.
        versions = {lib.name: lib.version for lib in installed.followed}
        reached = sorted(
            {
                top
                for effect in view.effects
                for link in effect.chain
                if (top := link.function.partition(".")[0]) in versions
            }
        )
        if reached:
            lines.append(
                "  followed into installed packages: "
                + ", ".join(f"{top} {versions[top] or '?'}" for top in reached)
                + f" ({installed.python})"
            )
    for route in view.routes:
        methods = f" [{','.join(route.methods)}]" if route.methods else ""
        seen = ""
        if route.observed is not None:
            seen = (
                f"  · observed {route.observed.requests} requests, SQL "
                f"{route.observed.sql_per_request:g}/request, HTTP "
                f"{route.observed.http_per_request:g}/request"
            )
        lines.append(f"  route {route_display(route.pattern)}  name={route.name}{methods}{seen}")
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
        lines.append(f"  score {score.value}/100 · {score.rule} {score.category.value}")
        if view.suppressed:
            lines.append("  suppressed by `# advisor: ignore[...]`: " + ", ".join(view.suppressed))
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
            code = f"{blocker.rule} " if blocker.rule else ""
            lines.append(f"  {blocker.severity} {code}{blocker.id}: {blocker.message}{where}")
            lines.append(f"      → {blocker.advice}")
    lines.append(f"  effects ({len(view.effects)}):")
    for effect in view.effects:
        flags = []
        if effect.multiplier > 1 or (effect.in_loop and effect.multiplier == 0):
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
        for assumption in effect.assumptions:
            lines.append(f"        assumed: {assumption}")
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


@main.command("rules")
@click.option(
    "--format",
    "output_format",
    default="terminal",
    type=FormatParam(["terminal", "json"]),
    help="terminal (a table) or json.",
)
def rules_command(output_format: str) -> None:
    """List the rule codes and slugs that --fail-on, --select, --ignore, suppression comments
    and baselines take."""
    from advisor.rules import RULES

    if output_format == "json":
        rows = [
            {"code": r.code, "slug": r.slug, "summary": r.summary, "category": r.category}
            for r in RULES
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for rule in RULES:
        click.echo(f"{rule.code}  {rule.slug:<22} {rule.summary}")


def find_view(result: ScanResult, wanted: str) -> tuple[View | None, list[str]]:
    """The view named by a dotted id, a URL path (`/shipping/quotes/`, matched against the
    route patterns as a user reads them) or a route name; else near misses to suggest."""
    from advisor.reporters.display import route_display

    view = result.view(wanted)
    if view is not None:
        return view, []
    by_name = [v for v in result.views if any(r.name == wanted for r in v.routes)]
    if len(by_name) == 1:
        return by_name[0], []
    if wanted.startswith("/") or "/" in wanted:
        path = "/" + wanted.strip().lstrip("/")
        exact = [v for v in result.views if any(route_display(r.pattern) == path for r in v.routes)]
        matched = exact or [
            v
            for v in result.views
            if any(_route_matches(route_display(r.pattern), path) for r in v.routes)
        ]
        if len(matched) == 1:
            return matched[0], []
        if matched:
            return None, [v.id for v in matched[:5]]
    if by_name:
        return None, [v.id for v in by_name[:5]]
    last = wanted.rstrip("/").split(".")[-1].split("/")[-1]
    return None, [v.id for v in result.views if last and last in v.id][:5]


def _route_matches(display: str, path: str) -> bool:
    """`/orders/<int:pk>/` matches `/orders/42/`: each `<...>` stands for one segment."""
    parts = re.split(r"(<[^>]*>)", display)
    pattern = "".join("[^/]+" if p.startswith("<") else re.escape(p) for p in parts)
    return re.fullmatch(pattern, path) is not None or re.fullmatch(pattern, path + "/") is not None


@main.command("explain")
@click.argument("target", nargs=-1, required=True, metavar="[PATH] VIEW")
@click.option(
    "--format",
    "output_format",
    default="terminal",
    type=FormatParam(["terminal", "json"]),
    help="terminal (`text` also works) or json.",
)
@_common
def explain_command(target: tuple[str, ...], output_format: str, **flags: Any) -> None:
    """Show one view's effects, each with its chain, location and confidence, and the
    reasoning behind its score. VIEW is a dotted view id, a URL path (/orders/42/) or a
    route name; PATH defaults to the current folder."""
    if len(target) > 2:
        _fail(f"explain takes [PATH] VIEW, not {len(target)} arguments")
    path, view_id = (Path(target[0]), target[1]) if len(target) == 2 else (Path("."), target[0])
    if not path.exists():
        _fail(f"{path}: no such directory")
    from advisor.rules import apply_suppressions

    settings = _settings(path, **_scan_flags(**flags))
    result = run_scan(path, settings)
    check_urlconf(result, settings)
    result = apply_suppressions(result, path.resolve())
    view, close = find_view(result, view_id)
    if view is None:
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        _fail(f"no view {view_id!r} in {path} (nor a URL or route name){hint}")
        return
    if output_format == "json":
        from advisor.model import to_dict

        click.echo(json.dumps(to_dict(view), indent=2))
    else:
        click.echo(explain_text(view, result.installed), nl=False)
