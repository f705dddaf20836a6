"""What the raw folders hold: every entry accounted for, none able to stop the scan.

A raw folder is filled by scrapers, unzipped archives and people: besides report files it can
hold names that are not valid UTF-8 (zip files unpacked with GBK names), files nobody may read,
files that vanish while we look, named pipes, sockets, dangling links and links out of the
folder. Each becomes a `RawFile`: a file to parse, or an entry with the reason it is not parsed
(`status` set), which the lake records like any outcome so that `ingest_log` shows it.
"""
from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..parse import too_large

# Files nobody means as input: editor droppings and OS metadata.
_SKIP_PREFIXES = (".", "~$")
CRASHED = "crashed"  # could not be read now: recorded, and tried again on the next run
SKIPPED = "skipped"  # not a file to read (a pipe, a socket, a link to nothing or out of the folder)
NOT_A_REPORT = "not_a_report"
_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFDIR: "a folder"}


@dataclass(frozen=True)
class RawFile:
    path: str  # as the OS gives it (may hold undecodable bytes as surrogates): for opening the file
    sha256: str  # of the bytes; for an entry that is not read, a key made from its name (see _key)
    size: int
    mtime: datetime
    status: str | None = None  # set when the entry is not parsed: crashed, skipped or not_a_report
    reason: str | None = None

    @property
    def name(self) -> str:
        """The path as text that can be stored and printed (see display_path)."""
        return display_path(self.path)


def display_path(path: str) -> str:
    """A path as printable, storable text, losslessly: bytes that are not UTF-8 and control
    characters are written as \\xNN escapes (a backslash itself as \\\\)."""
    text = os.fsencode(path).replace(b"\\", b"\\\\").decode("utf-8", errors="backslashreplace")
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
                   for ch in text)


def sha256_of(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _key(kind: str, path: str, *extra: object) -> str:
    """A stable key for an entry whose bytes are not hashed: unchanged entries keep their key."""
    text = "\0".join([display_path(path), *map(str, extra)])
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:48]}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def entries(folders: Iterable[Path]) -> Iterator[tuple[str, Path]]:
    """(path, root) for every entry under the folders, links not followed; a folder that cannot
    be listed comes out as an entry too, so the scan can say so."""
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            continue
        failed: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, onerror=failed.append):
            # os.walk lists links to folders among the folders and never enters them: look at them as entries
            links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
            dirnames[:] = sorted(d for d in dirnames if d not in links and not d.startswith(_SKIP_PREFIXES))
            for name in sorted(filenames + links):
                if not name.startswith(_SKIP_PREFIXES):
                    yield os.path.join(dirpath, name), root
        for err in failed:
            if err.filename:
                yield os.fsdecode(err.filename), root


def inspect(path: str, root: Path) -> RawFile:
    """One entry: hashed if it is a file to read, else the reason it is not."""
    try:
        st = os.lstat(path)
    except OSError as err:
        return RawFile(path, _key("unread", path), 0, _now(), CRASHED, _why("cannot be looked at", err))
    mtime = datetime.fromtimestamp(st.st_mtime, tz=timezone.utc)
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(path)
        if not os.path.exists(target):
            return RawFile(path, _key("skip", path), 0, mtime, SKIPPED, "a link to nothing (dangling): skipped")
        real_root = os.path.realpath(root)
        if os.path.commonpath([real_root, target]) != real_root:
            return RawFile(path, _key("skip", path), 0, mtime, SKIPPED,
                           "a link to something outside the raw folder: skipped")
        try:
            st = os.stat(path)
        except OSError as err:
            return RawFile(path, _key("unread", path), 0, mtime, CRASHED, _why("cannot be looked at", err))
    if not stat.S_ISREG(st.st_mode):
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
        return RawFile(path, _key("skip", path), 0, mtime, SKIPPED, f"{kind}, not a file: skipped")
    if (why := too_large(st.st_size)) is not None:
        # Decided from stat alone: a huge (or sparse) file is never read, not even to hash it.
        return RawFile(path, _key("large", path, st.st_size, st.st_mtime_ns), st.st_size, mtime, NOT_A_REPORT, why)
    try:
        digest = sha256_of(path)
    except FileNotFoundError:
        return RawFile(path, _key("unread", path), st.st_size, mtime, CRASHED,
                       "the file disappeared during the scan; tried again next run")
    except OSError as err:
        return RawFile(path, _key("unread", path), st.st_size, mtime, CRASHED, _why("cannot be read", err))
    return RawFile(path, digest, st.st_size, mtime)


def _why(what: str, err: OSError) -> str:
    return f"{what} ({err.strerror or type(err).__name__}); tried again next run"


def scan_raw(folders: Iterable[Path]) -> list[RawFile]:
    """Every entry under the folders (recursively), each a file to parse or a reason it is not.
    Missing folders are skipped; the same file reached through two folders is listed once."""
    out: list[RawFile] = []
    seen: set[str] = set()
    for path, root in entries(folders):
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        out.append(inspect(path, root))
    return out
