"""The field registry (pipeline/fields.toml) is the one definition of every column: the frames,
the lake files, the warehouse's types and comments and Dagster's column schemas are made from it,
and these tests fail when any of them drifts from it."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import SAMPLES
from pipeline import fields
from pipeline.parse import parse_report
from pipeline.parse.schema import FRAMES, frame_from_records
from pipeline.store import lake, warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("fields")
    lk, wh = tmp / "lake", tmp / "warehouse.duckdb"
    lake.ingest(lk, [SAMPLES], parse=parse_report)
    warehouse.build_warehouse(lk, wh)
    return lk, wh


def test_counts_are_whole_numbers_and_money_is_not() -> None:
    assert fields.duckdb_types("applications")["value"] == "BIGINT"
    assert fields.duckdb_types("reviews_litigation")["value"] == "BIGINT"
    assert fields.duckdb_types("active_disclosure")["value"] == "DOUBLE"  # 万元 amounts have decimals
    assert fields.duckdb_types("reports")["n_lines"] == "BIGINT"


def test_frames_are_made_from_the_registry() -> None:
    assert tuple(FRAMES) == fields.frame_tables()
    for name in FRAMES:
        frame = frame_from_records(name, [])
        assert list(frame.columns) == [f.name for f in fields.tables()[name].frame_fields()]
        assert [str(t) for t in frame.dtypes] == [fields.PANDAS_TYPES[f.type] for f in fields.tables()[name].frame_fields()]


def test_lake_files_have_the_registry_schema(built: tuple[Path, Path]) -> None:
    lk, _ = built
    for name in FRAMES:
        for path in lake.committed_files(lk, name):
            schema = pq.read_schema(path)
            want = fields.arrow_schema(name)
            assert [(f.name, f.type) for f in schema if f.name != "year"] == \
                   [(f.name, f.type) for f in want if f.name != "year"], (name, path)
    assert pq.read_schema(lk / lake.MANIFEST_NAME).names == fields.arrow_schema("source_files").names


def test_warehouse_types_and_comments_are_the_registry(built: tuple[Path, Path]) -> None:
    _, wh = built
    con = duckdb.connect(str(wh), read_only=True)
    try:
        for name, table in fields.tables().items():
            if table.stage == "reference" or name == warehouse.BUILD_INFO:
                continue
            got = con.execute("""SELECT column_name, data_type, comment FROM duckdb_columns()
                                 WHERE table_name = ? ORDER BY column_index""", [name]).fetchall()
            assert [(c, t) for c, t, _ in got] == list(fields.duckdb_types(name).items()), name
            meanings = table.docs()[1]
            assert {c: m for c, _, m in got} == meanings, name
    finally:
        con.close()


def test_dagster_column_schemas_are_the_registry() -> None:
    from assets.metadata import loaded_table_schema

    for name in FRAMES:
        schema = loaded_table_schema(name)
        assert [(c.name, c.type) for c in schema.columns] == list(fields.duckdb_types(name).items()), name
