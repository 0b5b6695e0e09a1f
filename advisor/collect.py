"""Running the per-file work (`facts.collect_facts`) over many files, in-process or in a
process pool, with an on-disk cache so an unchanged file is never parsed twice.

The cache lives in `<scanned root>/.advisor_cache/`:

- `facts/<kk>/<key>.pickle` holds one file's `ModuleFacts`; the key is a sha256 of the file's
  bytes and a fingerprint of the code that produced them (tool version, `facts.py` itself,
  the Python version), so a different tool or Python never reads another one's entries.
- `stat-index.pickle` maps a relative path to (size, mtime, ctime, inode, device) → key, so a
  warm scan of an unchanged file reads neither its bytes nor hashes them. A signature is only
  recorded when the file's timestamps are older than the scan's start by more than any file
  system's timestamp granularity, so a later edit always changes it (the "racy git" rule).

Measured on ~1M lines (the corpus of benchmarks/scan_speed.py, 2.5M fact objects), the costs
beyond parsing were moving facts around and the cyclic garbage collector: loading them took
10.5 s with default pickling and 1.6 s with the codec below and the collector paused;
`collect_facts` over every file in one process took 25.9 s with the collector on and 13.4 s
with it paused. Hence the codec, and the paused (then frozen) collector in `collect()`.

- `result.pickle` holds the last whole `ScanResult` (see `ResultCache`), keyed on everything
  a scan's answer depends on, so a re-scan where nothing changed skips facts and analysis.
  On that corpus a warm scan spent 1.6 s loading facts and 1.3 s analysing them; every
  per-file stat still runs, because the stats are what prove nothing changed.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import gc
import hashlib
import io
import operator
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any

from advisor import __version__
from advisor.config import Settings
from advisor.files import StatSignature, stat_signature
from advisor.progress import Progress

# The facts and the result model are imported when first (un)pickled: a scan served whole
# from the result cache computes its key with this module and never needs them.
if TYPE_CHECKING:
    from concurrent.futures import Future

    from advisor.facts import ModuleFacts
    from advisor.model import ScanResult

# The code whose output the facts cache holds (hashed into the fingerprint, not imported).
_FACTS_SOURCE = Path(__file__).resolve().with_name("facts.py")
# Bump when the layout or codec of the cache changes.
CACHE_FORMAT = "3"
FACTS_DIRECTORY = "facts"
STAT_INDEX_FILE = "stat-index.pickle"
RESULT_FILE = "result.pickle"
# A file whose mtime/ctime is this close to the scan's start is not trusted by stat alone:
# an edit within the same timestamp tick (2 s on FAT, a jiffy on ext4) would look unchanged.
STAT_TRUST_MARGIN_NS = 3_000_000_000
# On Windows st_ctime is the creation time, which an in-place edit does not change, so a
# same-size edit that restores the old mtime would go unseen: there, always hash.
STAT_INDEX_SUPPORTED = os.name == "posix"
# The pool pays for process start-up and for shipping facts back. On 2 cores, with the cache
# on: 48 files / 0.3 MB took 0.18 s pooled vs 0.11 s in-process; 150 files / 0.8 MB 0.25 s vs
# 0.37 s. Below these, parse in-process.
POOL_MIN_FILES = 64
POOL_MIN_BYTES = 512 * 1024
# Chunks per worker: enough to balance the tail (biggest files go first), few enough that
# per-task overhead stays small.
CHUNKS_PER_WORKER = 12


@dataclass(frozen=True, slots=True)
class Stats:
    """Stat signatures already taken (by discovery) by relative path, and the time just
    before the first of them was taken: what the stat index and the result key trust."""

    signatures: Mapping[str, StatSignature]
    taken_ns: int


@dataclass(frozen=True, slots=True)
class Collected:
    relative: str
    facts: ModuleFacts | None
    error: str | None
    cached: bool
    parsed_in: int | None = None  # pid of the process that parsed it; None when cached


# --- The codec ----------------------------------------------------------------------------
#
# Python 3.11 pickles a frozen slotted dataclass through `__getstate__`/`__setstate__`, which
# call `dataclasses.fields()` per object. Pickling each one as "call the class with its field
# values" dumps 3.5x and (collector paused) loads 3.6x faster. Unpickling
# only ever calls the fact classes themselves, never an arbitrary global, so a doctored cache
# directory inside a scanned repository cannot run code ("scanning never executes the
# project" includes its committed `.advisor_cache/`).


def _fields_getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) == 1:
        only = names[0]
        return lambda value: (getattr(value, only),)
    getter = operator.attrgetter(*names)
    return lambda value: tuple(getter(value))


def _positional_dataclasses(
    module: ModuleType,
) -> dict[type[Any], Callable[[Any], tuple[Any, ...]]]:
    """Every frozen dataclass defined in `module` whose fields are all positional."""
    found: dict[type[Any], Callable[[Any], tuple[Any, ...]]] = {}
    for value in vars(module).values():
        if not (
            isinstance(value, type)
            and dataclasses.is_dataclass(value)
            and value.__module__ == module.__name__
        ):
            continue
        parameters = getattr(value, "__dataclass_params__", None)
        fields = dataclasses.fields(value)
        if not getattr(parameters, "frozen", False) or any(not f.init or f.kw_only for f in fields):
            continue  # default pickling still works for it, just slower
        found[value] = _fields_getter([f.name for f in fields])
    return found


@dataclass(frozen=True, slots=True)
class _Codec:
    field_values: Mapping[type[Any], Callable[[Any], tuple[Any, ...]]]
    fact_classes: Mapping[str, type]
    model_classes: Mapping[str, type]


@functools.cache
def _codec() -> _Codec:
    from advisor import facts as facts_module
    from advisor import model as model_module

    fact_field_values = _positional_dataclasses(facts_module)
    return _Codec(
        field_values=MappingProxyType(
            {**fact_field_values, **_positional_dataclasses(model_module)}
        ),
        fact_classes=MappingProxyType(
            {
                **{cls.__qualname__: cls for cls in fact_field_values},
                # Not dataclasses: they pickle through their own `__reduce__` (text and line
                # numbers).
                "LazyBody": facts_module.LazyBody,
                "ModuleSource": facts_module.ModuleSource,
            }
        ),
        # What a cached ScanResult may be built from: the model's own dataclasses and enums
        # (an enum member pickles as "call the enum class with its value"), nothing else.
        model_classes=MappingProxyType(
            {
                value.__qualname__: value
                for value in vars(model_module).values()
                if isinstance(value, type)
                and value.__module__ == model_module.__name__
                and (dataclasses.is_dataclass(value) or issubclass(value, enum.Enum))
            }
        ),
    )


class _FactsPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, protocol: int) -> None:
        super().__init__(file, protocol=protocol)
        self._field_values = _codec().field_values

    def reducer_override(self, obj: Any) -> Any:
        values = self._field_values.get(type(obj))
        if values is None:
            return NotImplemented
        return type(obj), values(obj)


class _RestrictedUnpickler(pickle.Unpickler):
    """Builds only the classes of one advisor module, so a tampered cache file cannot run
    code: anything else is an error, which callers read as "not cached"."""

    def __init__(self, blob: bytes | memoryview, module: str, classes: Mapping[str, type]) -> None:
        super().__init__(io.BytesIO(blob))
        self._module = module
        self._classes = classes

    def find_class(self, module: str, name: str) -> Any:
        if module == self._module and name in self._classes:
            return self._classes[name]
        raise pickle.UnpicklingError(f"{module}.{name} is not an advisor {self._module} class")


def dump_facts(facts: ModuleFacts) -> bytes:
    buffer = io.BytesIO()
    _FactsPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(facts)
    return buffer.getvalue()


def load_facts(blob: bytes) -> ModuleFacts | None:
    """The facts in `blob`, or None when it is corrupt, truncated or not facts at all."""
    try:
        value = _RestrictedUnpickler(blob, "advisor.facts", _codec().fact_classes).load()
    except Exception:  # any damage to a cache file only means "not cached"
        return None
    from advisor.facts import ModuleFacts

    return value if isinstance(value, ModuleFacts) else None


def dump_result(result: ScanResult) -> bytes:
    buffer = io.BytesIO()
    _FactsPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
    return buffer.getvalue()


def load_result(blob: bytes | memoryview) -> ScanResult | None:
    """The ScanResult in `blob`, or None when it is damaged or anything else."""
    was_enabled = gc.isenabled()
    gc.disable()  # ~100k acyclic model objects: collector passes would only slow the load
    try:
        value = _RestrictedUnpickler(blob, "advisor.model", _codec().model_classes).load()
    except Exception:  # a damaged entry only means "not cached"
        return None
    finally:
        if was_enabled:
            gc.enable()
    from advisor.model import ScanResult

    return value if isinstance(value, ScanResult) else None


class _PlainDataUnpickler(pickle.Unpickler):
    """For the stat index: dicts, tuples, strings and ints only."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the stat index")


# --- The cache ----------------------------------------------------------------------------


def fingerprint() -> str:
    """What must match for a cached entry to be reused: the tool, the code that computes
    facts (hashed, so an edited `facts.py` at the same version never reads stale entries),
    the cache format and the Python that parsed and pickled them."""
    digest = hashlib.sha256()
    for part in (__version__, CACHE_FORMAT, sys.version, sys.implementation.cache_tag or ""):
        digest.update(part.encode())
        digest.update(b"\0")
    try:
        digest.update(_FACTS_SOURCE.read_bytes())
    except OSError:
        digest.update(b"facts.py unreadable")
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    """Temp file in the same directory, then rename: a reader sees all of it or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


CACHE_GITIGNORE = "# Automatically created by django-async-advisor.\n*\n"
# Cache files are bytes; only Windows tells text from binary at open.
_O_BINARY = getattr(os, "O_BINARY", 0)


def _ignore_in_git(directory: Path) -> None:
    """A `.gitignore` of `*` inside the cache folder, as ruff and pytest do, so the cache
    never shows up as untracked files in the user's repository."""
    marker = directory / ".gitignore"
    if not marker.exists():
        _write_atomically(marker, CACHE_GITIGNORE.encode())


def write_cache_file(path: Path, data: bytes) -> None:
    """One file of the cache folder, atomically; a cache that cannot be written is only
    slower."""
    try:
        _ignore_in_git(path.parent)
        _write_atomically(path, data)
    except OSError:
        return


class FactsCache:
    """One pickle per content key under `directory/facts/`, plus the stat index. Every write
    is atomic (temp file + rename); every failure to read or write only costs speed."""

    def __init__(self, directory: Path, tool_fingerprint: str | None = None) -> None:
        self.directory = directory
        self.fingerprint = tool_fingerprint or fingerprint()
        # Entry paths are built as strings: a cold scan builds two per file (a miss, then
        # the write), and pathlib's parsing was a visible share of a worker's time.
        self._facts_folder = os.path.join(directory, FACTS_DIRECTORY)
        # The `<kk>` folders this instance has made, with the `.gitignore` beside them: a
        # cold scan writes one entry per file, and re-checking both for every entry cost as
        # much as writing it (see `put_blob`).
        self._made: set[str] = set()

    def key(self, source: bytes) -> str:
        digest = hashlib.sha256(self.fingerprint.encode())
        digest.update(source)
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self._facts_folder, key[:2], f"{key}.pickle")

    def get_blob(self, key: str) -> bytes | None:
        try:
            with open(self._path(key), "rb") as stream:
                return stream.read()
        except OSError:
            return None

    def put_blob(self, key: str, blob: bytes) -> None:
        """Write one entry atomically: a temporary file named after the entry and this
        process, opened with O_EXCL (one system call, where `mkstemp` draws random names),
        then a rename. A name already taken (another thread writing the same entry, or a
        crashed process that had this pid) falls back to `mkstemp`."""
        path = self._path(key)
        folder = os.path.dirname(path)
        try:
            if folder not in self._made:
                _ignore_in_git(self.directory)
                os.makedirs(folder, exist_ok=True)
                self._made.add(folder)
            temporary = os.path.join(folder, f".{key}.pickle.{os.getpid()}.tmp")
            try:
                handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o600)
            except (FileExistsError, FileNotFoundError):
                # Left by a crashed process that had this pid; or the folder was removed
                # since this instance made it.
                self._made.discard(folder)
                _ignore_in_git(self.directory)
                _write_atomically(Path(path), blob)
                return
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(blob)
                os.replace(temporary, path)
            except BaseException:
                with suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError:
            return  # a cache that cannot be written is only slower

    def get(self, key: str) -> ModuleFacts | None:
        blob = self.get_blob(key)
        return None if blob is None else load_facts(blob)

    def put(self, key: str, facts: ModuleFacts) -> None:
        self.put_blob(key, dump_facts(facts))

    def read_stat_index(self) -> dict[str, tuple[StatSignature, str]]:
        if not STAT_INDEX_SUPPORTED:
            return {}
        try:
            with (self.directory / STAT_INDEX_FILE).open("rb") as stream:
                stored = _PlainDataUnpickler(stream).load()
        except Exception:  # missing, corrupt or from another tool version: start afresh
            return {}
        if (
            not isinstance(stored, dict)
            or stored.get("fingerprint") != self.fingerprint
            or not isinstance(stored.get("entries"), dict)
        ):
            return {}
        entries: dict[str, tuple[StatSignature, str]] = stored["entries"]
        return entries

    def write_stat_index(self, entries: dict[str, tuple[StatSignature, str]]) -> None:
        if not STAT_INDEX_SUPPORTED:
            return
        data = pickle.dumps(
            {"fingerprint": self.fingerprint, "entries": entries}, protocol=pickle.HIGHEST_PROTOCOL
        )
        try:
            _ignore_in_git(self.directory)
            _write_atomically(self.directory / STAT_INDEX_FILE, data)
        except OSError:
            return


# --- The work -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What one file's work produced; `facts` in-process, `blob` from a pool worker."""

    key: str
    facts: ModuleFacts | None
    blob: bytes | None
    error: str | None
    cached: bool
    pid: int


def _process(path: str, cache: FactsCache | None, ship: bool) -> _Outcome:
    """Read, then serve from the content cache or parse. `ship` means the caller is another
    process: return the pickled facts (which the cache needs anyway) instead of objects."""
    pid = os.getpid()
    try:
        source = Path(path).read_bytes()
    except OSError as error:
        return _Outcome("", None, None, f"cannot read: {error.strerror}", False, pid)
    key = ""
    if cache is not None:
        key = cache.key(source)
        blob = cache.get_blob(key)
        if blob is not None:
            if ship:
                return _Outcome(key, None, blob, None, True, pid)
            hit = load_facts(blob)
            if hit is not None:
                return _Outcome(key, hit, None, None, True, pid)
    from advisor.facts import collect_facts

    facts = collect_facts(source)
    blob = dump_facts(facts) if (ship or cache is not None) else None
    if cache is not None and blob is not None:
        cache.put_blob(key, blob)
    if ship:
        return _Outcome(key, None, blob, None, False, pid)
    return _Outcome(key, facts, None, None, False, pid)


def _process_chunk(paths: list[str], cache: FactsCache | None) -> list[_Outcome]:
    return [_process(path, cache, ship=True) for path in paths]


def _worker_started() -> None:
    # Workers build and drop acyclic fact trees; the cyclic collector only slows them down.
    gc.disable()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Building millions of acyclic fact objects with the cyclic GC on made the in-process
    parse ~2x slower, and its deferred passes then cost the next stage seconds. So pause it
    and, afterwards, move everything alive into the permanent generation: the facts live
    until the scan ends and are freed by reference counting, which freezing leaves intact."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _chunks(items: list[tuple[int, str, int]], jobs: int) -> list[list[tuple[int, str, int]]]:
    """Biggest files first, grouped into chunks of about equal bytes, so the last chunks are
    small and the workers finish together."""
    ordered = sorted(items, key=lambda item: -item[2])
    budget = max(1, sum(size for _, _, size in ordered) // (jobs * CHUNKS_PER_WORKER))
    chunks: list[list[tuple[int, str, int]]] = []
    current: list[tuple[int, str, int]] = []
    current_bytes = 0
    for item in ordered:
        current.append(item)
        current_bytes += item[2]
        if current_bytes >= budget:
            chunks.append(current)
            current, current_bytes = [], 0
    if current:
        chunks.append(current)
    return chunks


def _run_pool(
    pending: list[tuple[int, str, int]],
    jobs: int,
    cache: FactsCache | None,
    finish: Callable[[int, _Outcome], None],
) -> None:
    """Parse `pending` in worker processes, handing each outcome to `finish` in the parent as
    its chunk completes (so loading overlaps with parsing)."""
    # Imported here: a scan served from the caches never starts a pool.
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    chunks = _chunks(pending, jobs)
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(chunks)), initializer=_worker_started
    ) as pool:
        waiting: dict[Future[list[_Outcome]], list[tuple[int, str, int]]] = {
            pool.submit(_process_chunk, [path for _, path, _ in chunk], cache): chunk
            for chunk in chunks
        }
        while waiting:
            done, _ = wait(waiting, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = waiting.pop(future)
                for (position, _, _), outcome in zip(chunk, future.result(), strict=True):
                    finish(position, outcome)


def use_pool(jobs: int, pending_files: int, pending_bytes: int) -> bool:
    return jobs > 1 and pending_files >= POOL_MIN_FILES and pending_bytes >= POOL_MIN_BYTES


class _Run:
    """One `collect()` call's state: results by input position and the next stat index."""

    def __init__(
        self,
        items: list[tuple[str, Path]],
        cache: FactsCache | None,
        bar: Progress,
        known_stats: Stats | None,
    ) -> None:
        self.items = items
        self.cache = cache
        self.bar = bar
        self.known_stats = known_stats
        # Stats taken earlier (by discovery) count from when they were taken.
        self.started_ns = known_stats.taken_ns if known_stats is not None else time.time_ns()
        self.results: list[Collected | None] = [None] * len(items)
        self.old_index = cache.read_stat_index() if cache is not None else {}
        self.new_index: dict[str, tuple[StatSignature, str]] = {}
        self.signatures: dict[int, StatSignature] = {}

    def look_up(self) -> list[tuple[int, str, int]]:
        """Stat every file; serve those whose signature is in the stat index from the cache.
        Returns the rest as (position, path, size)."""
        pending: list[tuple[int, str, int]] = []
        known_stats = self.known_stats.signatures if self.known_stats is not None else {}
        for position, (relative, path) in enumerate(self.items):
            signature = known_stats.get(relative)
            if signature is None:
                try:
                    signature = stat_signature(os.stat(path))
                except OSError as error:
                    self.results[position] = Collected(
                        relative, None, f"cannot read: {error.strerror}", False
                    )
                    self.bar.advance()
                    continue
            self.signatures[position] = signature
            known = self.old_index.get(relative)
            if self.cache is not None and known is not None and known[0] == signature:
                hit = self.cache.get(known[1])
                if hit is not None:
                    self.results[position] = Collected(relative, hit, None, True)
                    self.new_index[relative] = known
                    self.bar.advance()
                    continue
            pending.append((position, str(path), signature[0]))
        return pending

    def record(self, position: int, outcome: _Outcome, facts: ModuleFacts | None) -> None:
        relative = self.items[position][0]
        self.bar.advance()
        if facts is None:
            self.results[position] = Collected(relative, None, outcome.error or "unreadable", False)
            return
        self.results[position] = Collected(
            relative, facts, None, outcome.cached, None if outcome.cached else outcome.pid
        )
        signature = self.signatures[position]
        # The key was computed from bytes read after this stat; trust the pair only when a
        # later edit is bound to get a newer timestamp (see STAT_TRUST_MARGIN_NS).
        if outcome.key and max(signature[1], signature[2]) < (
            self.started_ns - STAT_TRUST_MARGIN_NS
        ):
            self.new_index[relative] = (signature, outcome.key)

    def finish_shipped(self, position: int, outcome: _Outcome) -> None:
        facts = load_facts(outcome.blob) if outcome.blob is not None else None
        if facts is None and outcome.error is None:
            # A corrupt cache entry: parse the file here, which also overwrites the entry.
            outcome = _process(str(self.items[position][1]), self.cache, ship=False)
            facts = outcome.facts
        self.record(position, outcome, facts)

    def save_index(self) -> None:
        if self.cache is not None and self.new_index != self.old_index:
            self.cache.write_stat_index(self.new_index)


def collect(
    files: Iterable[tuple[str, Path]],
    jobs: int,
    cache: FactsCache | None,
    *,
    show_progress: bool | None = None,
    known_stats: Stats | None = None,
) -> list[Collected]:
    """Facts for each `(relative path, path)`, in the order given: from the cache when the
    file is unchanged, else parsed, in `jobs` worker processes when there is enough to do.
    `show_progress=None` draws a progress line when stderr is a terminal and the scan big."""
    items = list(files)
    with _collector_paused(), Progress(len(items), "parsing", enabled=show_progress) as bar:
        run = _Run(items, cache, bar, known_stats)
        pending = run.look_up()
        if use_pool(jobs, len(pending), sum(size for _, _, size in pending)):
            # No processes on this platform, or a worker died: what is left runs in-process.
            from concurrent.futures.process import BrokenProcessPool

            with suppress(OSError, BrokenProcessPool):
                _run_pool(pending, jobs, cache, run.finish_shipped)
        for position, path, _ in pending:
            if run.results[position] is None:
                outcome = _process(path, cache, ship=False)
                run.record(position, outcome, outcome.facts)
        run.save_index()
    return [result for result in run.results if result is not None]


# --- The whole-result cache ---------------------------------------------------------------


@functools.cache
def _package_digest() -> str:
    """A hash of every file of the installed `advisor` package. `fingerprint()` covers only
    `facts.py`; a result also depends on the analysis code (effects, scoring, catalog), and
    an edit to that at the same version must not replay an old answer. Computed once per
    process: the code that runs is the code that was loaded."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0unreadable")
        digest.update(b"\0")
    return digest.hexdigest()


def _dependency_digest(paths: Sequence[Path]) -> str | None:
    """A hash of each dependency file's bytes (or its absence); None when one exists but
    cannot be read, since readiness would then have seen something we cannot key on."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path).encode() + b"\0")
        if not path.is_file():
            digest.update(b"-\0")
            continue
        try:
            source = path.read_bytes()
        except OSError:
            return None
        digest.update(b"+%d\0" % len(source))
        digest.update(source)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ResultKey:
    digest: str
    dependency_paths: tuple[Path, ...]
    dependency_digest: str  # checked again before storing: see `ResultCache.store`


class ResultCache:
    """The last whole `ScanResult` of a root, in one file: `MAGIC key \\n pickle`. One slot,
    not one per key: a re-scan of an unchanged tree is the case to serve, and one slot never
    grows. Like the facts cache, any failure only costs speed."""

    MAGIC = b"advisor-result-" + CACHE_FORMAT.encode() + b" "

    def __init__(self, directory: Path, tool_fingerprint: str | None = None) -> None:
        self.path = directory / RESULT_FILE
        # The facts fingerprint (version, facts.py, Python, cache format) plus all the code.
        self.fingerprint = hashlib.sha256(
            f"{tool_fingerprint or fingerprint()}\0{_package_digest()}".encode()
        ).hexdigest()

    def key(
        self,
        root: Path,
        settings: Settings,
        files: Sequence[tuple[str, Path]],
        discovery_findings: Sequence[object],
        dependency_paths: Sequence[Path],
        environment: str = "",
        known_stats: Stats | None = None,
    ) -> ResultKey | None:
        """Everything the answer depends on, or None when the tree cannot be proven unchanged
        by stat alone (a file too recently written or unstattable, no stat index support)."""
        if not STAT_INDEX_SUPPORTED:
            return None
        # Taken before any stat, like `_Run.started_ns`: a file older than this by more than
        # the margin cannot be edited later without its mtime/ctime moving (see above).
        started_ns = known_stats.taken_ns if known_stats is not None else time.time_ns()
        trusted_before = started_ns - STAT_TRUST_MARGIN_NS
        known = known_stats.signatures if known_stats is not None else {}
        digest = hashlib.sha256(self.fingerprint.encode())
        digest.update(f"\0{root}\0".encode())
        # jobs and use_cache change how a scan runs, never what it answers.
        digest.update(repr(dataclasses.replace(settings, jobs=1, use_cache=False)).encode())
        digest.update(repr(list(discovery_findings)).encode())
        # The installed packages a scan may follow into (advisor.installed.environment_key).
        digest.update(f"\0{environment}\0".encode())
        for relative, path in files:
            signature = known.get(relative)
            if signature is None:
                try:
                    signature = stat_signature(os.stat(path))
                except OSError:
                    return None
            if max(signature[1], signature[2]) >= trusted_before:
                return None
            digest.update(f"\0{relative}\0{signature}".encode())
        paths = tuple(dependency_paths)
        dependencies = _dependency_digest(paths)
        if dependencies is None:
            return None
        digest.update(f"\0{dependencies}".encode())
        return ResultKey(digest.hexdigest(), paths, dependencies)

    def load(self, key: ResultKey) -> ScanResult | None:
        try:
            blob = self.path.read_bytes()
        except OSError:
            return None
        header = self.MAGIC + key.digest.encode() + b"\n"
        if not blob.startswith(header):
            return None
        result = load_result(memoryview(blob)[len(header) :])
        if result is None or result.tool_version != __version__:
            return None
        return result

    def store(self, key: ResultKey, result: ScanResult) -> bool:
        """Save `result` under `key` (True when saved), marked as served from the cache.
        The dependency files were hashed before readiness read them: if one changed in
        between, the result may reflect bytes the key does not, so it is not stored. (A `.py`
        file edited meanwhile needs no such check: its new mtime/ctime can never match the
        key's signature.)"""
        if _dependency_digest(key.dependency_paths) != key.dependency_digest:
            return False
        stored = dataclasses.replace(
            result,
            timings={},
            stats=dataclasses.replace(result.stats, cached_files=result.stats.files),
        )
        try:
            blob = dump_result(stored)
            _ignore_in_git(self.path.parent)
            _write_atomically(self.path, self.MAGIC + key.digest.encode() + b"\n" + blob)
        except (OSError, pickle.PicklingError, RecursionError):
            return False  # a result that cannot be cached is only slower next time
        return True
