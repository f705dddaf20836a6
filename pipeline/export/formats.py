"""The kinds of file an export writes (stdlib only: `ogi`'s argument parsing imports it)."""

FORMATS = ("xlsx", "csv", "parquet", "html")
