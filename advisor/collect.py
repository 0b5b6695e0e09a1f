"""Running the per-file work (`facts.collect_facts`) over many files: in-process, or in a
process pool, with a content-hash cache so an unchanged file is never parsed twice."""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from advisor import __version__
from advisor.facts import ModuleFacts, collect_facts


@dataclass(frozen=True, slots=True)
class Collected:
    relative: str
    facts: ModuleFacts | None
    error: str | None
    cached: bool


def _cache_key(source: bytes) -> str:
    digest = hashlib.sha256(source)
    digest.update(__version__.encode())
    return digest.hexdigest()


class FactsCache:
    """One pickle per content hash under `directory`; writes are atomic (temp + rename)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> ModuleFacts | None:
        try:
            with self._path(key).open("rb") as handle:
                value = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        return value if isinstance(value, ModuleFacts) else None

    def put(self, key: str, facts: ModuleFacts) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(facts, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except OSError:
            return  # a cache that cannot be written is only slower


def _work(item: tuple[str, str]) -> tuple[str, ModuleFacts | None, str | None, str]:
    relative, path = item
    try:
        source = Path(path).read_bytes()
    except OSError as error:
        return relative, None, f"cannot read: {error.strerror}", ""
    return relative, collect_facts(source), None, _cache_key(source)


def collect(files: Iterable[tuple[str, Path]], jobs: int, cache: FactsCache | None
            ) -> list[Collected]:
    pending: list[tuple[str, str]] = []
    done: list[Collected] = []
    for relative, path in files:
        if cache is not None:
            try:
                source = path.read_bytes()
            except OSError as error:
                done.append(Collected(relative, None, f"cannot read: {error.strerror}", False))
                continue
            hit = cache.get(_cache_key(source))
            if hit is not None:
                done.append(Collected(relative, hit, None, True))
                continue
        pending.append((relative, str(path)))
    if jobs > 1 and len(pending) > 64:
        chunk = max(1, len(pending) // (jobs * 8))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_work, pending, chunksize=chunk))
    else:
        results = [_work(item) for item in pending]
    for relative, facts, error, key in results:
        if cache is not None and facts is not None and key:
            cache.put(key, facts)
        done.append(Collected(relative, facts, error, False))
    return done
