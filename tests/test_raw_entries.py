"""Whatever a raw folder holds, the scan accounts for every entry and nothing stops the run.

Cases of the reliability issue: a file name that is not UTF-8 (a zip unpacked with GBK names), a
file that cannot be read or vanishes while scanned, named pipes, sockets, dangling links, links out
of the folder, and a huge sparse file, whose size must be judged before any read.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from conftest import SAMPLES, rows
from pipeline.cli import main
from pipeline.errors import NotAReportError, ReportError
from pipeline.parse import parse_report
from pipeline.store import lake, scan
from pipeline.store.warehouse import build_warehouse

SEED = (SAMPLES / "000_8ae22ee27fc68654.txt").read_bytes()
GBK_NAME = "广东".encode("gbk") + b".txt"  # b"\xb9\xe3\xb6\xab.txt": not UTF-8


def _run(root: Path) -> dict[str, tuple[str, str | None]]:
    lake.ingest(root / "lake", [root / "raw"], parse=parse_report)
    build_warehouse(root / "lake", root / "w.duckdb")
    return {Path(p).name: (s, r) for p, s, r in rows(root / "w.duckdb", "SELECT path, status, reason FROM ingest_log")}


def test_a_name_that_is_not_utf8_is_parsed_and_shown_escaped(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    with open(os.path.join(os.fsencode(raw), GBK_NAME), "wb") as f:
        f.write(SEED)
    got = _run(tmp_path)
    # b9 is not UTF-8 and is escaped; e3 b6 ab happens to be UTF-8 (U+3DAB) and is kept as that
    assert list(got) == ["\\xb9\u3dab.txt"]
    assert got["\\xb9\u3dab.txt"][0] == "parsed_with_issues"
    assert rows(tmp_path / "w.duckdb", "SELECT count(*) FROM reports")[0][0] == 1
    # the inventory the Dagster parse step reads back still opens the file
    files = lake.scan_raw([raw])
    lake.write_inventory(tmp_path / "lake", files)
    (back,) = lake.read_inventory(tmp_path / "lake")
    assert Path(back.path).read_bytes() == SEED


def test_names_with_control_characters_are_escaped() -> None:
    assert scan.display_path("raw/bad\x1b[31mname.txt") == "raw/bad\\x1b[31mname.txt"
    assert scan.display_path("raw/a\\b.txt") == "raw/a\\\\b.txt"  # lossless: a backslash is doubled
    assert scan.display_path("raw/高安市.txt") == "raw/高安市.txt"


def test_pipes_sockets_and_links_are_skipped_with_their_reason(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "report.txt").write_bytes(SEED)
    os.mkfifo(raw / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(raw / "sock.txt"))
    os.symlink(raw / "gone.txt", raw / "dangling.txt")
    os.symlink("/proc/self/mem", raw / "mem.txt")  # reading it raises EIO
    outside = tmp_path / "outside.txt"
    outside.write_bytes(SEED)
    os.symlink(outside, raw / "out.txt")
    try:
        got = _run(tmp_path)
    finally:
        sock.close()
    assert got["report.txt"][0] == "parsed_with_issues"
    assert got["pipe.txt"] == ("skipped", "a named pipe (FIFO), not a file: skipped")
    assert got["sock.txt"] == ("skipped", "a socket, not a file: skipped")
    assert got["dangling.txt"] == ("skipped", "a link to nothing (dangling): skipped")
    assert got["mem.txt"] == ("skipped", "a link to something outside the raw folder: skipped")
    assert got["out.txt"] == ("skipped", "a link to something outside the raw folder: skipped")
    # a second run adds no row: one row per path
    assert len(_run(tmp_path)) == 6


def test_a_file_that_cannot_be_read_is_crashed_and_tried_again(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(SEED)
    (raw / "b.txt").write_bytes(SEED.replace(b"2022", b"2021"))
    real = scan.sha256_of

    def flaky(path):  # root reads any file, so an I/O error is made here
        if str(path).endswith("a.txt"):
            raise OSError(5, "Input/output error")
        return real(path)

    monkeypatch.setattr(scan, "sha256_of", flaky)
    got = _run(tmp_path)
    assert got["a.txt"] == ("crashed", "cannot be read (Input/output error); tried again next run")
    assert got["b.txt"][0] == "parsed_with_issues"  # the scan went on
    monkeypatch.setattr(scan, "sha256_of", real)
    got = _run(tmp_path)
    assert got["a.txt"][0] == "parsed_with_issues"  # read on the next run


def test_a_file_that_vanishes_during_the_scan(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(SEED)

    def gone(path):
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(scan, "sha256_of", gone)
    (entry,) = lake.scan_raw([raw])
    assert (entry.status, entry.reason) == ("crashed", "the file disappeared during the scan; tried again next run")


def test_a_huge_sparse_file_is_judged_by_its_size_without_reading_it(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    with open(raw / "huge.txt", "wb") as f:
        f.truncate(3 * 1024 ** 3)  # 3 GB of nothing: no disk used
    read: list[str] = []
    monkeypatch.setattr(scan, "sha256_of", lambda p: read.append(str(p)) or "x")
    (entry,) = lake.scan_raw([raw])
    assert read == []
    assert (entry.status, entry.reason) == ("not_a_report", "file too large (3072.0 MB; reports are under 20 MB)")
    with pytest.raises(NotAReportError, match="file too large"):
        main_read(raw / "huge.txt")


def main_read(path: Path) -> bytes:
    from pipeline.cli import _read

    return _read(path)


def test_ogi_parse_on_a_fifo_does_not_hang(tmp_path: Path, capsys) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    assert main(["parse", str(tmp_path / "pipe.txt")]) == 1
    assert "a named pipe (FIFO), not a file" in capsys.readouterr().err
    with pytest.raises(ReportError):
        main_read(tmp_path / "pipe.txt")
