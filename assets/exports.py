"""The nightly exports: after the warehouse is published, each configured region (default: every
province with reports) over the last years, as Excel, CSV, Parquet and an HTML page in
data/exports/. A thin wrapper around pipeline.export.export_many."""

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, MetadataValue, asset

from pipeline.export import FORMATS, export_many

from .resources import OWNERS, OgiSettings

EXPORTS = "exports"
EXPORT_DIR = "data/exports"


class ExportsConfig(Config):
    regions: list[str] = []  # names or codes; empty: every province with reports
    last_years: int = 3      # the last N years with reports in the warehouse
    formats: list[str] = list(FORMATS)


@asset(name=EXPORTS, deps=[AssetKey("published_warehouse")], group_name=EXPORTS, kinds={"python", "excel", "html"},
       owners=OWNERS,
       description="data/exports/: for each configured region (default: every province with reports) and the "
       "last years, the regions or bodies below it with every indicator by year and its change, as Excel, CSV, "
       "Parquet and a self-contained HTML page with charts. Read from the published warehouse's models only.")
def exports(context: AssetExecutionContext, config: ExportsConfig, ogi: OgiSettings) -> MaterializeResult:
    out = ogi.path(EXPORT_DIR)
    paths, skipped = export_many(ogi.warehouse, out, config.regions, config.last_years, config.formats)
    ogi.progress(context, f"exports: {len(paths)} files written to {out}"
                          + (f", {len(skipped)} regions skipped" if skipped else ""))
    return MaterializeResult(metadata={
        "files": len(paths),
        "folder": MetadataValue.path(str(out)),
        "written": MetadataValue.md("\n".join(f"- {p.name}" for p in paths) or "none"),
        "skipped": MetadataValue.md("\n".join(f"- {s}" for s in skipped) or "none"),
    })
