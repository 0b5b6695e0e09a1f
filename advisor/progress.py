"""A one-line progress counter on stderr for long scans: plain carriage-return updates (no
dependency), drawn only when the stream is a terminal and the job is big enough to watch, so
pipes, CI logs and `--format json` output never see it."""

from __future__ import annotations

import shutil
import sys
import time
from types import TracebackType
from typing import TextIO

# Below this many items a scan finishes before a bar would be worth reading.
MIN_ITEMS = 300
# Redraw at most this often: a terminal write per file would cost more than the work.
REDRAW_SECONDS = 0.1
BAR_WIDTH = 24


class Progress:
    """`with Progress(total, "parsing") as bar: ... bar.advance(n)`; a no-op unless enabled."""

    def __init__(
        self,
        total: int,
        label: str,
        *,
        stream: TextIO | None = None,
        min_items: int = MIN_ITEMS,
        enabled: bool | None = None,
    ) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = total >= min_items and _is_terminal(self._stream)
        self.enabled = enabled
        self._last_draw = 0.0
        self._drawn_width = 0

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw >= REDRAW_SECONDS or self.done >= self.total:
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        fraction = min(1.0, self.done / self.total) if self.total else 1.0
        filled = round(fraction * BAR_WIDTH)
        line = (
            f"advisor: {self.label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            f"{self.done}/{self.total} files"
        )
        width = shutil.get_terminal_size((80, 24)).columns - 1
        line = line[:width]
        padding = " " * max(0, self._drawn_width - len(line))
        self._stream.write(f"\r{line}{padding}")
        self._stream.flush()
        self._drawn_width = len(line)

    def close(self) -> None:
        """Erase the line so the report (or the next message) starts on a clean line."""
        if self._drawn_width:
            self._stream.write("\r" + " " * self._drawn_width + "\r")
            self._stream.flush()
            self._drawn_width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or file-like stream without a tty
        return False
