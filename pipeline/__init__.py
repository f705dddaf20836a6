"""OGI annual-report pipeline, one folder per stage, data flowing one way:

read/   bytes -> Document (a reader per format)
parse/  Document -> tidy records and quality issues
store/  records -> Parquet lake -> DuckDB warehouse -> SQL models; read-only queries
regions.py places bodies in administrative regions; cli.py wires the stages together.
"""
