"""Subprocesses: blocking waits on another program."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

_P = EffectKind.SUBPROCESS

ROWS = (
    *(
        CatalogRow(
            f"subprocess.{name}",
            _P,
            "subprocess",
            f"subprocess.{name} waits for a process",
            "asyncio.create_subprocess_exec",
            rewrite="sync_to_async",
        )
        for name in ("run", "call", "check_call", "check_output", "Popen")
    ),
    CatalogRow(
        "os.system",
        _P,
        "subprocess",
        "os.system waits for a shell",
        "asyncio.create_subprocess_shell",
        rewrite="sync_to_async",
    ),
)
