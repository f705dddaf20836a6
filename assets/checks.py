"""The asset checks: which checks each asset declares, and their outcomes as Dagster results.

The checks are declared on the assets (``check_specs``) rather than as separate ``@asset_check``
definitions: each one is evaluated in its asset's own step, so it reads the working DuckDB file
under the same pool slot and writer lock as the write it checks, and a blocking check that
fails stops everything downstream. The evaluation itself is the library's (pipeline.store).
"""

from collections.abc import Iterator
from pathlib import Path

from dagster import AssetCheckEvaluation, AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey

from pipeline.store import check_engine, lake, warehouse

LAKE_ROWS_MATCH = "lake_rows_match"
LAKE_ROWS_ASSET = lake.TABLE_NAMES[0]  # "reports"

# Checks that need a model and the models before it; they run in the model's own step.
MODEL_CHECKS: dict[str, list[tuple[str, str, bool]]] = {
    # (check name, description, blocking)
    # The check engine's results (pipeline/store/rules.toml), one check per rule severity: a rule
    # that fails is the source's mistake, WARN; ERROR only when check_results is missing.
    "check_results": [
        (warehouse.RULES_CHECK_PREFIX + severity,
         f"every {severity} rule of the check engine (rules.toml) holds on every document; WARN when one "
         "fails (the metadata counts each status and the fails per rule), ERROR when check_results is missing",
         False)
        for severity in check_engine.SEVERITIES
    ],
    # The engine's rules the parser checks too: the two must agree.
    "quality_issues": [
        ("balance_rule", "new + carried over == processed + carried forward in every column of table 3 "
         "(check_results); WARN when reports break it (and the parser says so in quality_issues), ERROR when "
         "a break is not listed", False),
        ("row_totals", "printed totals == sum of their parts (table 3 rows, table 4 proceedings; check_results); "
         "WARN when reports break it, ERROR when a break is not listed in quality_issues", False),
    ],
    "report_indicators": [
        ("one_current_report_per_body_year", "no body has two current reports for one year", True),
    ],
}


# --- loaded tables: the warehouse holds every row of the committed lake ----------------------

def lake_rows_check_specs() -> list[AssetCheckSpec]:
    # One check for the six loaded tables, on `reports` (the table every model chain starts from):
    # a check costs a run about a third of a second of Dagster's own sqlite writes (planned,
    # output, evaluation), six cost two seconds, against milliseconds of counting.
    return [AssetCheckSpec(LAKE_ROWS_MATCH, asset=LAKE_ROWS_ASSET, blocking=True,
                           description="every loaded lake table (" + ", ".join(lake.TABLE_NAMES) + ") holds "
                           "exactly the rows of the committed lake files; the metadata has the counts per table")]


def lake_rows_results(work: Path, lake_dir: Path) -> Iterator[AssetCheckResult]:
    """The library's lake_rows_match (the same check `ogi run` reports) against the working file."""
    for outcome in warehouse.run_checks(work, lake_dir, names=[LAKE_ROWS_MATCH]):
        yield _check_result(LAKE_ROWS_ASSET, outcome)


# --- models ---------------------------------------------------------------------------------

def model_check_specs(model_name: str) -> list[AssetCheckSpec]:
    return [AssetCheckSpec(name, asset=model_name, description=desc, blocking=blocking)
            for name, desc, blocking in MODEL_CHECKS.get(model_name, [])]


def run_model_checks(work: Path, model_name: str) -> list[AssetCheckResult]:
    """Evaluate the model's checks against the working file (call it under the writer lock)."""
    names = [c[0] for c in MODEL_CHECKS.get(model_name, [])]
    if not names:  # most models have none: no need to open the database
        return []
    return [_check_result(model_name, o) for o in warehouse.run_checks(work, names=names)]


def blocking_failed(model_name: str, results: list[AssetCheckResult]) -> bool:
    """Whether a blocking check of the model failed with ERROR: what stops Dagster's downstream steps."""
    blocking = {name for name, _, is_blocking in MODEL_CHECKS.get(model_name, []) if is_blocking}
    return any(r.check_name in blocking and not r.passed and r.severity == AssetCheckSeverity.ERROR
               for r in results)


def _severity(outcome: warehouse.CheckOutcome) -> AssetCheckSeverity:
    return AssetCheckSeverity.ERROR if outcome.severity == "ERROR" else AssetCheckSeverity.WARN


def _check_result(asset_key: str, outcome: warehouse.CheckOutcome) -> AssetCheckResult:
    return AssetCheckResult(asset_key=asset_key, check_name=outcome.name, passed=outcome.passed,
                            severity=_severity(outcome), description=outcome.description,
                            metadata=outcome.metadata)


# --- outside an asset step: the year job (years.py) evaluates the checks after its rebuild --------

def check_asset(check_name: str) -> str | None:
    """The asset a library check is declared on here (None: not declared as an asset check)."""
    if check_name == LAKE_ROWS_MATCH:
        return LAKE_ROWS_ASSET
    return next((model for model, specs in MODEL_CHECKS.items() if any(s[0] == check_name for s in specs)), None)


def evaluations(outcomes: list[warehouse.CheckOutcome]) -> list[AssetCheckEvaluation]:
    """The outcomes as evaluations of the declared asset checks, for an op to record."""
    out = []
    for o in outcomes:
        asset = check_asset(o.name)
        if asset is not None:
            out.append(AssetCheckEvaluation(asset_key=AssetKey(asset), check_name=o.name, passed=o.passed,
                                            severity=_severity(o), description=o.description, metadata=o.metadata))
    return out
