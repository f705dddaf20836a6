"""What the raw folders hold: every entry accounted for, none able to stop the scan.

A raw folder is filled by scrapers, unzipped archives and people: besides report files it can
hold names that are not valid UTF-8 (zip files unpacked with GBK names), files nobody may read,
files that vanish while we look, named pipes, sockets, dangling links and links out of the
folder. Each becomes a `RawFile`: a file to parse, or an entry with the reason it is not parsed
(`status` set), which the lake records like any outcome so that `ingest_log` shows it.

Hashing every file again each night costs minutes at 150,000 files. Given what an earlier scan
recorded (`known`: path -> stat signature and sha256), a file whose signature is unchanged keeps
its recorded sha256 without being read. The signature is size, mtime, ctime (in ns) and inode, as
git's index uses: a scraper that rewrites a file in place and restores its mtime still changes
its ctime. A file modified within the last seconds before the scan gets no signature (a write
in the same clock tick would leave its mtime as it is), so it is hashed again next time.

The path a file is recorded under (`RawFile.name`: reports.source_path, source_files.source_path,
file_paths.path) is relative to the raw folder it was found in, with the folder's own name in
front: `samples/000_x.txt` for data/samples/000_x.txt, `raw/2024/江西/x.pdf` for data/raw/2024/江西/x.pdf,
whether the folder was given as an absolute or a relative path. So a warehouse can be shared and
moved, and the path still says which folder of which machine-independent layout the file is in.
When two raw folders read together have the same name (/a/raw and /b/raw), each gets as many of
its parent folders in front as tell them apart (`a/raw/...`, `b/raw/...`), so names stay unique.
"""
from __future__ import annotations

import functools
import hashlib
import os
import stat
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import attrgetter
from pathlib import Path

from ..parse import too_large

# Files nobody means as input: editor droppings and OS metadata.
_SKIP_PREFIXES = (".", "~$")
CRASHED = "crashed"  # could not be read now: recorded, and tried again on the next run
SKIPPED = "skipped"  # not a file to read (a pipe, a socket, a link to nothing or out of the folder)
NOT_A_REPORT = "not_a_report"
_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFDIR: "a folder"}
# A file modified this close to the scan may change again within the same mtime tick (file systems
# stamp times at a clock tick, not per write): it is not trusted by its stat next time.
RACY_NS = 2_000_000_000

Signature = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
Known = Mapping[str, tuple[Signature, str]]  # path (as the OS gives it) -> (signature, sha256)


@dataclass(frozen=True, slots=True)  # slots: a scan holds one per file, 150,000 a year
class RawFile:
    path: str  # as the OS gives it (may hold undecodable bytes as surrogates): for opening the file
    sha256: str  # of the bytes; for an entry that is not read, a key made from its name (see _key)
    size: int
    mtime: datetime
    status: str | None = None  # set when the entry is not parsed: crashed, skipped or not_a_report
    reason: str | None = None
    # A regular file hashed (or known) with this stat signature; None: not to be trusted next scan.
    signature: Signature | None = None
    # The name it is recorded under (see the module's doc: relative to its raw folder); None for a
    # file not found by a scan (a path given on the command line): then its display_path.
    label: str | None = None

    @property
    def name(self) -> str:
        """The path as text that can be stored and printed: its label, else display_path(path)."""
        return self.label if self.label is not None else display_path(self.path)


_UTF8_NAMES = sys.getfilesystemencoding().lower() in ("utf-8", "utf8")


def display_path(path: str) -> str:
    """A path as printable, storable text, losslessly: bytes that are not UTF-8 and control
    characters are written as \\xNN escapes (a backslash itself as \\\\)."""
    if _UTF8_NAMES and "\\" not in path and path.isprintable():
        return path  # the common case, and the result would be the same: no escape to write
    text = os.fsencode(path).replace(b"\\", b"\\\\").decode("utf-8", errors="backslashreplace")
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
                   for ch in text)


def folder_prefixes(folders: Iterable[Path]) -> dict[str, str]:
    """{folder as given: the name its files are recorded under}: the folder's own name, or, for
    folders read together that share a name, as many parent folders as tell them apart."""
    # keyed as _walk names a root (os.fspath(Path(folder))): its entries' paths start with that
    full = {os.fspath(Path(f)): Path(os.path.abspath(f)).parts[1:] for f in folders}  # parts less the "/"
    out: dict[str, str] = {}
    for given, parts in full.items():
        others = {p for g, p in full.items() if p != parts}
        n = 1
        while n < len(parts) and any(o[-n:] == parts[-n:] for o in others):
            n += 1
        out[given] = display_path("/".join(parts[-n:]))
    return out


def recorded_name(path: str, root: str, prefix: str) -> str:
    """The name a file found under `root` (a folder as given to the scan) is recorded under:
    `prefix` (folder_prefixes) then the path inside the folder, with / between folders."""
    inside = path[len(root):].lstrip(os.sep) if path.startswith(root) else os.path.relpath(path, root)
    if os.sep != "/":
        inside = inside.replace(os.sep, "/")
    if not inside or inside == ".":
        return prefix
    inside = display_path(inside)
    return f"{prefix}/{inside}" if prefix else inside


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
    for folder, root, listed in _walk(folders):
        for path, _name, _st in listed:
            yield path, root


# A folder's entries: (path, name, lstat or None when it could not be taken: look again)
Listing = list[tuple[str, str, "os.stat_result | None"]]


def _walk(folders: Iterable[Path]) -> Iterator[tuple[str, Path, Listing]]:
    """What entries() lists, folder by folder, with each entry's lstat, from os.scandir (one
    system call per file).

    Order: a folder's entries by name, then its subfolders by name, depth first; the folders that
    cannot be listed last, per root. Links (to folders too) are entries, never entered."""
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            continue
        failed: list[str] = []
        todo = [os.fspath(root)]
        while todo:
            top = todo.pop()
            listed, subfolders = _list(top, failed)
            if listed:
                yield top, root, listed
            todo.extend(reversed(subfolders))  # popped from the end: the first by name goes first
        for path in failed:
            yield os.path.dirname(path), root, [(path, os.path.basename(path), None)]


def _list(top: str, failed: list[str]) -> tuple[Listing, list[str]]:
    try:
        with os.scandir(top) as listing:
            found = sorted((e for e in listing if not e.name.startswith(_SKIP_PREFIXES)), key=_NAME)
    except OSError:
        failed.append(top)
        return [], []
    listed: Listing = []
    subfolders = []
    for e in found:
        try:
            if e.is_dir(follow_symlinks=False):
                subfolders.append(e.path)
                continue
        except OSError:
            pass
        try:
            st: os.stat_result | None = e.stat(follow_symlinks=False)
        except OSError:
            st = None  # inspect says why
        listed.append((e.path, e.name, st))
    return listed, subfolders


_NAME = attrgetter("name")


def inspect(path: str, root: Path, st: os.stat_result | None = None, known: Known | None = None,
            started_ns: int | None = None, label: str | None = None) -> RawFile:
    """One entry: hashed if it is a file to read, else the reason it is not.

    `st` is the entry's lstat if the caller has it. A regular file whose stat signature matches
    the one `known` records for its path takes the recorded sha256 without being read.
    `started_ns` (time.time_ns() when the scan began) decides which files are too fresh to trust
    by their stat on the next scan. `label` is the name to record it under (recorded_name)."""
    make = functools.partial(RawFile, label=label)
    if st is None:
        try:
            st = os.lstat(path)
        except OSError as err:
            return make(path, _key("unread", path), 0, _now(), CRASHED, _why("cannot be looked at", err))
    mtime = datetime.fromtimestamp(st.st_mtime, tz=timezone.utc)
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(path)
        if not os.path.exists(target):
            return make(path, _key("skip", path), 0, mtime, SKIPPED, "a link to nothing (dangling): skipped")
        real_root = os.path.realpath(root)
        if os.path.commonpath([real_root, target]) != real_root:
            return make(path, _key("skip", path), 0, mtime, SKIPPED,
                           "a link to something outside the raw folder: skipped")
        try:
            st = os.stat(path)
        except OSError as err:
            return make(path, _key("unread", path), 0, mtime, CRASHED, _why("cannot be looked at", err))
    if not stat.S_ISREG(st.st_mode):
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
        return make(path, _key("skip", path), 0, mtime, SKIPPED, f"{kind}, not a file: skipped")
    if (why := too_large(st.st_size)) is not None:
        # Decided from stat alone: a huge (or sparse) file is never read, not even to hash it.
        return make(path, _key("large", path, st.st_size, st.st_mtime_ns), st.st_size, mtime, NOT_A_REPORT, why)
    signature = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if known is not None and (seen := known.get(path)) is not None and seen[0] == signature:
        return make(path, seen[1], st.st_size, mtime, signature=signature)
    now_ns = time.time_ns() if started_ns is None else started_ns
    trusted = st.st_mtime_ns < now_ns - RACY_NS  # a write since would have moved the mtime past it
    try:
        digest = sha256_of(path)
    except FileNotFoundError:
        return make(path, _key("unread", path), st.st_size, mtime, CRASHED,
                       "the file disappeared during the scan; tried again next run")
    except OSError as err:
        return make(path, _key("unread", path), st.st_size, mtime, CRASHED, _why("cannot be read", err))
    return make(path, digest, st.st_size, mtime, signature=signature if trusted else None)


def _why(what: str, err: OSError) -> str:
    return f"{what} ({err.strerror or type(err).__name__}); tried again next run"


def scan_raw(folders: Iterable[Path], known: Known | None = None) -> list[RawFile]:
    """Every entry under the folders (recursively), each a file to parse or a reason it is not.
    Missing folders are skipped; the same file reached through two folders is listed once. With
    `known` (see inspect), files unchanged since they were recorded are not read."""
    folders = list(folders)
    prefixes = folder_prefixes(folders)
    out: list[RawFile] = []
    seen: set[str] = set()
    started = time.time_ns()
    islink = stat.S_ISLNK
    for folder, root, listed in _walk(folders):
        real_dir = os.path.realpath(folder)  # one lookup per folder, not per file
        given = os.fspath(root)
        prefix = prefixes[given]
        for path, name, st in listed:
            if st is None or islink(st.st_mode):
                real = os.path.realpath(path)
            else:  # what os.path.realpath(path) gives for a file that is not a link
                real = path if real_dir == folder else os.path.join(real_dir, name)
            if real in seen:
                continue
            seen.add(real)
            out.append(inspect(path, root, st, known, started, recorded_name(path, given, prefix)))
    return out
