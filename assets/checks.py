"""The asset checks: which checks each asset declares, and their outcomes as Dagster results.

The checks are declared on the assets (``check_specs``) rather than as separate ``@asset_check``
definitions: each one is evaluated in its asset's own step, so it reads the working DuckDB file
under the same pool slot and writer lock as the write it checks, and a blocking check that
fails stops everything downstream. The evaluation itself is the library's (pipeline.store).
"""

from collections.abc import Iterator
from pathlib import Path

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec

from pipeline.store import lake, warehouse

LAKE_ROWS_MATCH = "lake_rows_match"

# Checks that need a model and the models before it; they run in the model's own step.
MODEL_CHECKS: dict[str, list[tuple[str, str, bool]]] = {
    # (check name, description, blocking)
    "quality_issues": [
        ("balance_rule", "new + carried over == processed + carried forward in every column of table 3; "
         "WARN when reports break it (and say so in quality_issues), ERROR when a break is not listed", False),
        ("row_totals", "printed totals == sum of their parts (table 3 rows, table 4 proceedings); "
         "WARN when reports break it, ERROR when a break is not listed in quality_issues", False),
    ],
    "report_indicators": [
        ("one_current_report_per_body_year", "no body has two current reports for one year", True),
    ],
}


# --- loaded tables: the warehouse holds every row of the committed lake ----------------------

def lake_rows_check_specs() -> list[AssetCheckSpec]:
    return [AssetCheckSpec(LAKE_ROWS_MATCH, asset=name, blocking=True,
                           description="rows in the warehouse table == rows in the committed lake files")
            for name in lake.TABLE_NAMES]


def lake_rows_results(warehouse_rows: dict[str, int], lake_rows: dict[str, int]) -> Iterator[AssetCheckResult]:
    for name in lake.TABLE_NAMES:
        ok = warehouse_rows[name] == lake_rows[name]
        yield AssetCheckResult(asset_key=name, check_name=LAKE_ROWS_MATCH, passed=ok,
                               severity=AssetCheckSeverity.ERROR,
                               description=f"lake {lake_rows[name]} rows, warehouse {warehouse_rows[name]} rows",
                               metadata={"lake_rows": lake_rows[name], "warehouse_rows": warehouse_rows[name]})


# --- models ---------------------------------------------------------------------------------

def model_check_specs(model_name: str) -> list[AssetCheckSpec]:
    return [AssetCheckSpec(name, asset=model_name, description=desc, blocking=blocking)
            for name, desc, blocking in MODEL_CHECKS.get(model_name, [])]


def run_model_checks(work: Path, model_name: str) -> list[AssetCheckResult]:
    """Evaluate the model's checks against the working file (call it under the writer lock)."""
    outcomes = warehouse.run_checks(work, names=[c[0] for c in MODEL_CHECKS.get(model_name, [])])
    return [_check_result(model_name, o) for o in outcomes]


def _severity(outcome: warehouse.CheckOutcome) -> AssetCheckSeverity:
    return AssetCheckSeverity.ERROR if outcome.severity == "ERROR" else AssetCheckSeverity.WARN


def _check_result(asset_key: str, outcome: warehouse.CheckOutcome) -> AssetCheckResult:
    return AssetCheckResult(asset_key=asset_key, check_name=outcome.name, passed=outcome.passed,
                            severity=_severity(outcome), description=outcome.description,
                            metadata=outcome.metadata)
