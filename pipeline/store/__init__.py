"""Stage 3: tidy records -> Parquet lake -> DuckDB warehouse -> SQL models; read-only queries."""
