"""The gazetteer index is built once and kept on disk, keyed by the reference files' hash.

A small gazetteer written here stands in for the real one, so every expected code below comes
from the rows these tests write.
"""
from __future__ import annotations

import csv
import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import regions
from pipeline.regions import REF_DIR, cache_dir, load_index

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "000_8ae22ee27fc68654.txt"

GAZETTEER = [  # code, name, level, parent_code
    ("360000", "江西省", "province", ""),
    ("360900", "宜春市", "prefecture", "360000"),
    ("360925", "靖安县", "county", "360900"),
    ("360925101", "宝峰镇", "township", "360925"),
    ("500000", "重庆市", "province", ""),
    ("500118", "永川区", "county", "500000"),
    ("500118110", "宝峰镇", "township", "500118"),
]
ALIASES = [("靖安", "360925", "靖安县", "county", "stem", "title")]


def write_reference(folder: Path, rows: list[tuple[str, str, str, str]] = GAZETTEER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "name", "level", "parent_code"])
    w.writerows(rows)
    (folder / "gazetteer.csv.gz").write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), mtime=0))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["alias", "code", "name", "level", "kind", "scope"])
    w.writerows(ALIASES)
    (folder / "region_aliases.csv").write_text(buf.getvalue(), encoding="utf-8")
    return folder


def found(idx: regions._Index, text: str) -> dict[int, tuple[str, tuple[str, ...]]]:
    """position -> (name, codes) of the longest name starting there."""
    return {k: (m.surface, tuple(sorted(e.code for e in m.entries))) for k, m in idx.longest_at(text).items()}


def idx_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("regions-*.idx"))


@pytest.fixture()
def ref(tmp_path: Path) -> Path:
    return write_reference(tmp_path / "reference")


def test_first_load_builds_and_writes_one_file(ref: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    idx = load_index(ref, cache)
    assert found(idx, "靖安县宝峰镇") == {0: ("靖安县", ("360925",)), 3: ("宝峰镇", ("360925101", "500118110"))}
    assert idx.places["360925101"].path == "江西省/宜春市/靖安县/宝峰镇"
    assert idx.places["500118110"].codes == ("500000", None, "500118", "500118110")
    assert len(idx.places) == len(GAZETTEER)
    assert [f.name.startswith("regions-") for f in idx_files(cache)] == [True]
    assert sorted(os.listdir(cache)) == [idx_files(cache)[0].name]  # no temporary file left behind


def test_second_load_reads_the_file_without_building(ref: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    load_index(ref, cache)
    (path,) = idx_files(cache)
    mtime = path.stat().st_mtime_ns

    def no_build(_: Path) -> None:
        raise AssertionError("the index was built again although the cache holds it")

    monkeypatch.setattr(regions, "_build", no_build)
    idx = load_index(ref, cache)
    assert found(idx, "重庆市永川区宝峰镇") == {
        0: ("重庆市", ("500000",)), 3: ("永川区", ("500118",)), 6: ("宝峰镇", ("360925101", "500118110"))}
    assert idx.lookup("靖安") and idx.lookup("靖安")[0].weak and idx.lookup("靖安")[0].alias
    assert idx.lookup("安县") == ()
    assert path.stat().st_mtime_ns == mtime


def test_changed_gazetteer_is_built_again(ref: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert found(load_index(ref, cache), "双溪镇") == {}
    write_reference(ref, GAZETTEER + [("360925102", "双溪镇", "township", "360925")])
    idx = load_index(ref, cache)
    assert found(idx, "双溪镇") == {0: ("双溪镇", ("360925102",))}
    assert idx.places["360925102"].path == "江西省/宜春市/靖安县/双溪镇"
    assert len(idx_files(cache)) == 2  # one per gazetteer: going back needs no rebuild either


def test_changed_alias_file_is_built_again(ref: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_index(ref, cache)
    with open(ref / "region_aliases.csv", "a", encoding="utf-8") as fh:
        fh.write("永川,500118,永川区,county,stem,title\n")
    assert found(load_index(ref, cache), "永川") == {0: ("永川", ("500118",))}


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped byte", "empty", "other format"])
def test_damaged_cache_file_is_ignored_and_rewritten(ref: Path, tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    load_index(ref, cache)
    (path,) = idx_files(cache)
    good = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x80\x05not a cache file at all" * 100)
    elif damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "flipped byte":
        bad = bytearray(good)
        bad[len(bad) - 1000] ^= 0x55
        path.write_bytes(bytes(bad))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        header, _, payload = good.partition(b"\n")
        fields = header.split(b" ")
        fields[1] = b"999"
        path.write_bytes(b" ".join(fields) + b"\n" + payload)
    key = regions._cache_key(ref)
    assert regions._read_cache(path, key) is None
    idx = load_index(ref, cache)
    assert found(idx, "靖安县") == {0: ("靖安县", ("360925",))}
    assert regions._read_cache(path, key) is not None  # written again, whole


def test_unwritable_cache_folder_still_builds(ref: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    idx = load_index(ref, blocker / "cache")  # cannot be created, whoever runs the test
    assert found(idx, "靖安县") == {0: ("靖安县", ("360925",))}
    assert blocker.read_text() == "not a folder"


def test_no_cache_folder_at_all(ref: Path) -> None:
    assert found(load_index(ref, None), "宝峰镇") == {0: ("宝峰镇", ("360925101", "500118110"))}


def test_cache_folder_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OGI_CACHE_DIR", str(tmp_path / "ogi-cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "ogi-cache"
    monkeypatch.delenv("OGI_CACHE_DIR")
    assert cache_dir() == tmp_path / "xdg" / "ogi"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "ogi"


def test_real_gazetteer_from_cache_matches_a_fresh_build(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    built = load_index(REF_DIR, cache)
    cached = load_index(REF_DIR, cache)
    assert cached is not built and len(idx_files(cache)) == 1
    text = SAMPLE.read_text(encoding="utf-8")
    assert found(cached, text) == found(built, text)
    assert found(cached, "高安市八景镇")[3] == ("八景镇", ("360983101",))
    assert cached.places["360983101"].path == "江西省/宜春市/高安市/八景镇"


def test_ogi_parse_with_an_unwritable_cache_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {**os.environ, "OGI_CACHE_DIR": str(blocker / "cache")}
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "parse", str(SAMPLE)], env=env,
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "江西省 / 宜春市 / 高安市 / 八景镇" in out.stdout
    assert out.stderr == ""


def test_ogi_parse_writes_the_cache_once_and_reuses_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "OGI_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "pipeline.cli", "parse", str(SAMPLE)]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    (path,) = idx_files(cache)
    mtime = path.stat().st_mtime_ns
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout and "八景镇" in second.stdout
    assert idx_files(cache) == [path] and path.stat().st_mtime_ns == mtime


def test_old_index_files_are_pruned(ref: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    stale = [cache / f"regions-old{k}.idx" for k in range(6)]
    for k, f in enumerate(stale):
        f.write_bytes(b"stale")
        os.utime(f, ns=(10**18 + k, 10**18 + k))  # all older than the file written now
    other = cache / "notes.txt"
    other.write_text("not ours")
    load_index(ref, cache)
    kept = idx_files(cache)
    assert len(kept) == regions._CACHE_KEEP
    assert set(stale[-(regions._CACHE_KEEP - 1):]) < set(kept)  # the newest stale ones, and ours
    assert other.exists()


def test_a_name_the_index_cannot_hold_is_refused(tmp_path: Path) -> None:
    ref = write_reference(tmp_path / "reference", GAZETTEER + [("360925103", "镇", "township", "360925")])
    with pytest.raises(ValueError, match="'镇' is shorter than 2 characters"):
        load_index(ref, tmp_path / "cache")
