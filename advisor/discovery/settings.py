"""Which Django settings the project runs with, read statically. In order: `--settings`;
`os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)` in manage.py/asgi.py/wsgi.py (or a
runtests.py/conftest.py); pytest-django's `DJANGO_SETTINGS_MODULE`/`--ds` (or pytest-env's
`env`) in pytest.ini, pyproject.toml, tox.ini or setup.cfg, then tox's `setenv` or a
`--settings` in its commands; `DJANGO_SETTINGS_MODULE=` in a `.env` file (django-environ,
python-dotenv, docker compose); a `*settings*` module defining ROOT_URLCONF; and for a
reusable app without a settings module, the keyword arguments of `settings.configure(...)`
in its runtests.py, conftest.py or manage.py (Django's "Using settings without setting
DJANGO_SETTINGS_MODULE")."""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.discovery.inputs import ENV_FILES, PYTEST_CONFIG_FILES
from advisor.discovery.inputs import settings_paths as settings_paths  # re-exported
from advisor.facts import Call, Const, Expr, Name
from advisor.index import ModuleInfo, ProjectIndex
from advisor.static_eval import UNKNOWN, SettingsLookup, StaticEvaluator

_ENV_LINE = re.compile(
    r"^\s*(?:export\s+)?DJANGO_SETTINGS_MODULE\s*=\s*(['\"]?)([\w.]+)\1\s*(?:#.*)?$"
)
# `os.environ["DJANGO_SETTINGS_MODULE"] = "proj.settings"`, a manage.py variant the facts do
# not keep (a subscript assignment), read from the text of the entry point.
_ENVIRON_ITEM = re.compile(
    r"""environ\[\s*['"]DJANGO_SETTINGS_MODULE['"]\s*\]\s*=\s*['"]([\w.]+)['"]"""
)
_CONFIGURE = "django.conf.settings.configure"
# A script that configures settings for the test run ranks before one that exists for
# makemigrations; anything else after both.
_CONFIGURE_SCRIPTS = ("runtests", "conftest", "manage")
# Django's own defaults (django/conf/global_settings.py) for the settings URLconfs test in
# `if settings.X:`, used when the project's settings do not assign them at all.
DJANGO_DEFAULTS: dict[str, Any] = {
    "DEBUG": False,
    "APPEND_SLASH": True,
    "USE_I18N": True,
    "PREPEND_WWW": False,
}
READ_SETTINGS = (
    "ROOT_URLCONF",
    "MIDDLEWARE",
    "INSTALLED_APPS",
    "DATABASES",
    "ASGI_APPLICATION",
    "CONN_MAX_AGE",
    "ATOMIC_REQUESTS",
    "SESSION_ENGINE",
    "AUTHENTICATION_BACKENDS",
    "REST_FRAMEWORK",  # DRF's default authentication/permission/throttle classes
)


@dataclass(frozen=True, slots=True)
class DjangoSettings:
    module: str | None
    values: dict[str, Any]
    # Where the settings were found ("manage.py", "settings.configure() in runtests.py"),
    # or None with `tried` saying where the scan looked.
    source: str | None = None
    tried: str = ""
    configured: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def found(self) -> bool:
        return self.module is not None or self.configured is not None


def find_settings(
    index: ProjectIndex, root: Path, explicit: str | None, project_dir: str = ""
) -> DjangoSettings:
    """The settings the project runs with; `project_dir` is the chosen project's folder
    (manage.py's), root-relative, whose own config files count before the root's."""
    if explicit:
        return _from_module(index, module_in_tree(index, explicit) or explicit, "--settings")
    # A settings module named but missing from the tree (weblate's wsgi.py names the
    # `weblate.settings` its users create from settings_example.py): the next way of finding
    # settings is tried, and the source says what was named.
    missing: tuple[str, str] | None = None
    for found in _named_settings(index, root, project_dir):
        if module_in_tree(index, found[0]) is not None:
            if missing is not None:
                note = f"; {missing[0]!r} named in {missing[1]} is not in the tree"
                return _from_module(index, found[0], found[1] + note)
            return _from_module(index, found[0], found[1])
        missing = missing or found
    for name, info in sorted(index.modules.items()):
        # settings.py, test_settings.py, settings_test.py, settings/__init__.py
        if "settings" in name.rsplit(".", 1)[-1] and "ROOT_URLCONF" in info.symbols:
            note = f"; {missing[0]!r} named in {missing[1]} is not in the tree" if missing else ""
            return _from_module(index, name, f"{info.path} (defines ROOT_URLCONF){note}")
    if missing is not None:
        return _from_module(index, missing[0], missing[1])
    configured = _from_configure_calls(index)
    if configured is not None:
        return configured
    return DjangoSettings(
        None,
        {},
        tried="DJANGO_SETTINGS_MODULE in manage.py/asgi.py/wsgi.py/runtests.py/conftest.py, "
        "in pytest config (pytest.ini, pyproject.toml, tox.ini, setup.cfg), tox setenv and "
        "commands, .env, a *settings* module with ROOT_URLCONF, settings.configure() calls",
    )


def _named_settings(index: ProjectIndex, root: Path, project_dir: str) -> Iterator[tuple[str, str]]:
    """Settings modules the project's own entry points and config name, in the order
    Django's and pytest's runs would take them."""
    found = _from_entry_points(index, root)
    if found is not None:
        yield found
    folders = [root / project_dir, root] if project_dir else [root]
    for folder in folders:
        prefix = f"{project_dir}/" if project_dir and folder != root else ""
        for named in (_from_pytest_config(folder), _from_env_file(folder)):
            if named is not None:
                yield named[0], prefix + named[1]


def module_in_tree(index: ProjectIndex, name: str) -> str | None:
    """The scanned module `--settings NAME` means: itself; or, named from a folder above its
    source root, the module at that path (`src.pkg.settings` is `pkg.settings` in
    `src/pkg/settings.py`); or the one module whose dotted name ends with NAME."""
    if name in index.modules:
        return name
    parts = name.split(".")
    for cut in range(1, len(parts)):
        shorter = ".".join(parts[cut:])
        info = index.modules.get(shorter)
        if info is not None and info.path.startswith("/".join(parts[:cut]) + "/"):
            return shorter
    longer = [m for m in index.modules if m.endswith("." + name)]
    return longer[0] if len(longer) == 1 else None


def _from_env_file(folder: Path) -> tuple[str, str] | None:
    for name in ENV_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            match = _ENV_LINE.match(line)
            if match:
                return match.group(2), name
    return None


def settings_lookup(index: ProjectIndex, settings: DjangoSettings) -> SettingsLookup:
    """Any setting by name, for the evaluator: UNKNOWN when the settings do not define it."""
    if settings.configured is not None:
        configured = settings.configured
        return lambda name: configured.get(name, UNKNOWN)
    info = index.modules.get(settings.module or "")
    if info is None:
        return lambda name: UNKNOWN
    evaluator = StaticEvaluator(index)
    module = info

    def lookup(name: str) -> Any:
        value = evaluator.module_value(module, name)
        if value is UNKNOWN and name in DJANGO_DEFAULTS and not _defines(index, module, name):
            return DJANGO_DEFAULTS[name]
        return value

    return lookup


def _defines(index: ProjectIndex, info: ModuleInfo, name: str) -> bool:
    """Whether the settings module (or one it star-imports) assigns `name` at all."""
    pending, seen = [info], set()
    while pending:
        current = pending.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        if name in current.symbols or any(s.target == name for s in current.facts.statements):
            return True
        pending += [index.modules[m] for m in current.star_imports if m in index.modules]
    return False


def _from_module(index: ProjectIndex, module: str, source: str) -> DjangoSettings:
    module = module_in_tree(index, module) or module
    info = index.modules.get(module)
    if info is None:
        return DjangoSettings(module, {}, source)
    evaluator = StaticEvaluator(index)
    values = {name: _plain(evaluator.module_value(info, name)) for name in READ_SETTINGS}
    return DjangoSettings(module, values, source)


def _plain(value: Any) -> Any:
    return None if value is UNKNOWN else value


def _module_calls(info: ModuleInfo, suffix: str) -> list[tuple[Call, dict[str, Expr]]]:
    """The calls of a dotted name ending in `suffix` in a module, at module level and in
    functions, each with its function's locals."""
    calls: list[tuple[Call, dict[str, Expr]]] = [
        (s.value, {})
        for s in info.facts.statements
        if isinstance(s.value, Call)
        and isinstance(s.value.func, Name)
        and s.value.func.dotted.endswith(suffix)
    ]
    word = suffix.rsplit(".", 1)[-1]  # a body that never names it is not extracted
    for function in info.facts.functions:
        if not function.mentions(word):
            continue
        sites = [
            c for c in function.calls if isinstance(c.func, Name) and c.func.dotted.endswith(suffix)
        ]
        if sites:
            locals_ = {b.name: b.value for b in function.bindings if not b.from_loop}
            calls += [(Call(c.func, c.args, c.kwargs, c.line, c.column), locals_) for c in sites]
    return calls


def _from_entry_points(index: ProjectIndex, root: Path | None = None) -> tuple[str, str] | None:
    """The first entry point naming a settings module of the tree; else the first naming
    any (a module missing from the tree is then reported, not silently replaced)."""
    found = [f for f in _entry_point_settings(index, root) if _DOTTED.fullmatch(f[0])]
    for module, source in found:
        if module_in_tree(index, module) is not None:
            return module, source
    return found[0] if found else None


_DOTTED = re.compile(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*")


def _entry_point_settings(index: ProjectIndex, root: Path | None) -> Iterator[tuple[str, str]]:
    for module in ("manage", "asgi", "wsgi", *sorted(index.modules)):
        info = index.modules.get(module)
        stem = module.rsplit(".", 1)[-1]
        if info is None or not (stem in _CONFIGURE_SCRIPTS or stem.endswith(("asgi", "wsgi"))):
            continue
        for call, locals_ in _module_calls(info, "environ.setdefault"):
            if len(call.args) >= 2 and call.args[0] == Const("DJANGO_SETTINGS_MODULE"):
                # f"{PROJECT}.settings" as well as a plain string
                value = StaticEvaluator(index).in_function(info, locals_, call.args[1])
                if isinstance(value, str) and value:
                    yield value, info.path
        if root is not None:
            try:
                text = (root / info.path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            match = _ENVIRON_ITEM.search(text)
            if match:
                yield match.group(1), info.path


def _from_pytest_config(root: Path) -> tuple[str, str] | None:
    for name, section in PYTEST_CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        options = _pytest_options(name, section, text)
        module = (
            options.get("DJANGO_SETTINGS_MODULE")
            or _ds_option(options.get("addopts"))
            or _environment_setting(options.get("env"))  # pytest-env
        )
        if isinstance(module, str) and module.strip():
            return module.strip(), f"{name} [{section}]"
    tox = root / "tox.ini"
    if tox.is_file():
        try:
            text = tox.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        testenv = _pytest_options("tox.ini", "testenv", text)
        module = _environment_setting(testenv.get("setenv"))
        if module:
            return module, "tox.ini [testenv] setenv"
        module = _settings_option(testenv.get("commands"))
        if module:
            return module, "tox.ini [testenv] commands"
    return None


def _settings_option(commands: Any) -> str | None:
    """`django-admin test --settings=tests.settings` (or `--settings tests.settings`)."""
    if not isinstance(commands, str):
        return None
    for line in commands.splitlines():
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        for position, word in enumerate(words):
            if word.startswith("--settings="):
                return word[len("--settings=") :] or None
            if word == "--settings" and position + 1 < len(words):
                return words[position + 1]
    return None


def _environment_setting(assignments: Any) -> str | None:
    """DJANGO_SETTINGS_MODULE from `NAME=value` lines (pytest-env's `env`, tox's `setenv`;
    pytest-env's `D:`/`R:` flags allowed)."""
    if isinstance(assignments, str):
        assignments = assignments.splitlines()
    if not isinstance(assignments, list):
        return None
    for line in assignments:
        name, equals, value = str(line).partition("=")
        if equals and name.strip().split(":")[-1].strip() == "DJANGO_SETTINGS_MODULE":
            return value.strip() or None
    return None


def _pytest_options(name: str, section: str, text: str) -> dict[str, Any]:
    if name.endswith(".toml"):
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return {}
        for key in section.split("."):
            data = data.get(key, {}) if isinstance(data, dict) else {}
        return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}
    parser = configparser.RawConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    return dict(parser.items(section)) if parser.has_section(section) else {}


def _ds_option(addopts: Any) -> str | None:
    if isinstance(addopts, list):
        addopts = " ".join(str(a) for a in addopts)
    if not isinstance(addopts, str):
        return None
    try:
        words = shlex.split(addopts)
    except ValueError:
        words = addopts.split()
    for position, word in enumerate(words):
        if word.startswith("--ds="):
            return word[len("--ds=") :]
        if word == "--ds" and position + 1 < len(words):
            return words[position + 1]
    return None


def _from_configure_calls(index: ProjectIndex) -> DjangoSettings | None:
    evaluator = StaticEvaluator(index)
    candidates: list[tuple[tuple[int, int, str, int], ModuleInfo, Call, dict[str, Any]]] = []
    for name, info in index.modules.items():
        for call, locals_ in _module_calls(info, ".configure"):
            assert isinstance(call.func, Name)
            if evaluator.resolve_in(info, locals_, call.func.dotted) != _CONFIGURE:
                continue
            configured: dict[str, Any] = {}
            for key, value in call.kwargs:
                evaluated = evaluator.in_function(info, locals_, value)
                if key is not None:
                    configured[key] = evaluated
                elif isinstance(evaluated, dict):  # settings.configure(**settings_dict)
                    configured.update(evaluated)
            if not any(setting in configured for setting in READ_SETTINGS):
                # A tool configuring bare settings for itself (Django's startproject
                # templating does), not the settings the project's code runs with.
                continue
            stem = name.rsplit(".", 1)[-1]
            rank = _CONFIGURE_SCRIPTS.index(stem) if stem in _CONFIGURE_SCRIPTS else 99
            order = (rank, info.path.count("/"), info.path, call.line)
            candidates.append((order, info, call, configured))
    if not candidates:
        return None
    _, info, call, configured = min(candidates, key=lambda c: c[0])
    values = {name: _plain(configured.get(name, UNKNOWN)) for name in READ_SETTINGS}
    return DjangoSettings(
        None,
        values,
        f"settings.configure() in {info.path}:{call.line}",
        configured={k: v for k, v in configured.items() if v is not UNKNOWN},
    )
