"""One atomic writer for every file advisor writes (advisor/writer.py): a multi-file
`rewrite --write` is all or nothing, a read-only file is refused before anything is written,
and a failure half-way puts back what was already replaced."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

import advisor.writer
from advisor.cli import main
from advisor.writer import WriteError, write_files

FIXTURE = Path(__file__).parent / "fixtures" / "verify_shop"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "shop_project"))


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rewrite_quote(root: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["rewrite", str(root), "--view", "shop.views.quote", "--write"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("read_only", ["requirements.txt", "shop/views.py"])
def test_a_read_only_file_is_refused_and_nothing_is_written(shop: Path, read_only: str) -> None:
    # The rewrite of shop.views.quote changes shop/views.py and adds httpx to requirements.txt.
    os.chmod(shop / read_only, 0o444)
    before = snapshot(shop)
    code, _, err = rewrite_quote(shop)
    assert code == 2
    assert err.strip().splitlines() == [
        f"advisor: error: cannot write {read_only}: the file is read-only; nothing was written"
    ]
    assert snapshot(shop) == before


def test_a_failure_half_way_restores_what_was_replaced(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(shop)
    real_replace = os.replace
    calls: list[str] = []

    def failing_second_replace(src: str, dst: str) -> None:
        calls.append(str(dst))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(advisor.writer.os, "replace", failing_second_replace)
    code, _, err = rewrite_quote(shop)
    monkeypatch.undo()
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "writing shop/views.py failed (No space left on device)" in line
    assert "1 file(s) already replaced were restored" in line
    assert snapshot(shop) == before


def test_write_files_keeps_modes_and_creates_new_files_with_the_umask_mode(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("old\n")
    os.chmod(tmp_path / "a.py", 0o640)
    assert write_files(tmp_path, {"a.py": b"new\n", "b.txt": b"fresh\n"}) == ["a.py", "b.txt"]
    assert (tmp_path / "a.py").read_text() == "new\n"
    assert stat.S_IMODE((tmp_path / "a.py").stat().st_mode) == 0o640
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "b.txt").stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.txt"]


def test_a_missing_folder_or_a_directory_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(WriteError, match="not a regular file; nothing was written"):
        write_files(tmp_path, {"ok.txt": b"x", "taken": b"y"})
    with pytest.raises(WriteError, match="does not exist"):
        write_files(tmp_path, {"no/such/dir/f.txt": b"x"})
    assert not (tmp_path / "ok.txt").exists()


def test_a_read_only_report_file_is_refused_with_exit_2(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("{}")
    os.chmod(report, 0o444)
    result = CliRunner().invoke(
        main, ["scan", str(FIXTURE), "--format", "json", "-o", str(report), "--no-cache"]
    )
    assert result.exit_code == 2
    assert "read-only" in result.stderr
    assert report.read_text() == "{}"
