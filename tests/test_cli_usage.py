"""A wrong command line exits 2 with one line on stderr, before anything is read or written."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main


@pytest.fixture()
def places(tmp_path):
    """An empty project folder, a plain file, a path that does not exist and a folder."""
    root = tmp_path / "root"
    root.mkdir()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    return {"root": str(root), "file": str(a_file), "missing": str(tmp_path / "no" / "such" / "dir"),
            "folder": str(tmp_path)}


USAGE_ERRORS = [
    # (arguments, with {root}/{file}/{missing}/{folder} filled in; what the one line says)
    (["run", "--root", "{root}", "--raw-dir", "{missing}"], "ogi: run: --raw-dir {missing}: no such folder"),
    (["run", "--root", "{root}", "--raw-dir", "{file}"], "ogi: run: --raw-dir {file}: is a file, not a folder"),
    (["run", "--root", "{missing}"], "ogi: run: --root {missing}: no such folder"),
    (["run", "--root", "{file}"], "ogi: run: --root {file}: is a file, not a folder"),
    (["run", "--root", "{root}", "--workers", "0"], "ogi: run: argument --workers: must be a whole number of at least 1"),
    (["run", "--root", "{root}", "--wait", "-1"], "ogi: run: argument --wait: must be a number of 0 or more"),
    (["run", "--root", "{root}", "--file-seconds", "0"], "ogi: run: argument --file-seconds: must be a number above 0"),
    (["run", "--root", "{root}", "--file-seconds", "nan"], "ogi: run: argument --file-seconds: must be a number above 0"),
    (["run", "--root", "{root}", "--file-memory-mb", "-5"], "ogi: run: argument --file-memory-mb: must be a whole number"),
    (["parse", "--json", "--table", "{file}"], "ogi: parse: argument --table: not allowed with argument --json"),
    (["parse", "--lines", "--json", "{file}"], "ogi: parse: argument --json: not allowed with argument --lines"),
    (["parse"], "ogi: parse: the following arguments are required: files"),
    (["query", "SELECT 1", "--format", "xml"], "ogi: query: argument --format: invalid choice: 'xml'"),
    (["query", "SELECT 1", "--db", "{missing}"], "ogi: query: --db {missing}: no such file"),
    (["query", "SELECT 1", "--db", "{folder}"], "ogi: query: --db {folder}: is a folder, not a file"),
    (["query", "SELECT 1", "--max-rows", "0"], "ogi: query: argument --max-rows: must be a whole number of at least 1"),
    (["query", "SELECT 1", "--max-rows", "ten"], "ogi: query: argument --max-rows: must be a whole number"),
    (["query", "SELECT 1", "--timeout", "0"], "ogi: query: argument --timeout: must be a number above 0"),
    (["query", "SELECT 1", "--memory-limit", "lots"], "ogi: query: argument --memory-limit: must be a size with a unit"),
    (["query", "SELECT 1", "--memory-limit", "80%"], "ogi: query: argument --memory-limit: must be a size with a unit"),
    (["query", "SELECT 1", "--memory-limit=-1GB"], "ogi: query: argument --memory-limit: must be a size with a unit"),
    (["query", "SELECT 1", "--param", "year"], "ogi: query: argument --param: must be NAME=VALUE"),
    (["query", "SELECT 1", "--param", "2022=x"], "ogi: query: argument --param: must be NAME=VALUE"),
    (["query", "SELECT $y", "--param", "y=1", "--param", "y=2"], "ogi: query: --param y is given twice"),
    (["query", "   "], "ogi: query: the SQL is empty"),
    (["query"], "ogi: query: the following arguments are required: sql"),
    (["frobnicate"], "ogi: argument command: invalid choice: 'frobnicate'"),
    ([], "ogi: the following arguments are required: command"),
]


@pytest.mark.parametrize("args, message", USAGE_ERRORS, ids=[" ".join(a) or "(none)" for a, _ in USAGE_ERRORS])
def test_usage_error_is_one_line_and_exit_2(places, capsys, args, message):
    assert main([a.format(**places) for a in args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(message.format(**places)), err
    assert list(Path(places["root"]).iterdir()) == [], "a usage error wrote into the project folder"


def test_missing_raw_dir_is_refused_before_any_write(tmp_path):
    """`ogi run --raw-dir /no/such/dir` used to read nothing and exit 0; now the lake is not even made."""
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--root", str(tmp_path),
                           "--raw-dir", "/no/such/dir"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "ogi: run: --raw-dir /no/such/dir: no such folder\n"
    assert list(tmp_path.iterdir()) == []


def test_argparse_errors_exit_2_from_the_shell(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "parse", "--json", "--table", "x.txt"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("ogi: parse: argument --table: not allowed with argument --json "
                           "(see ogi parse --help)\n")


def test_help_still_exits_0(capsys):
    assert main(["query", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--format {table,csv,json,markdown}" in out and "--param NAME=VALUE" in out
