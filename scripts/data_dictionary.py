"""Render the README's data dictionary from where the columns are defined, once.

Tables loaded from the lake are documented in `pipeline.store.warehouse.TABLE_DOCS`; each model
documents itself in its SQL header (`sql/<name>.sql`). This script writes both into README.md
between the headings "### Tables loaded from the lake" and "## Data sources", so the README can
never describe a column the warehouse does not have.

    .venv/bin/python scripts/data_dictionary.py          # rewrite README.md
    .venv/bin/python scripts/data_dictionary.py --check  # exit 1 if README.md is out of date
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import readme_block  # noqa: E402
from pipeline.store import warehouse  # noqa: E402

START, END = "### Tables loaded from the lake", "## Data sources"


def _table(name: str, description: str, columns: dict[str, str]) -> list[str]:
    rows = [f"| `{col}` | {text.replace('|', chr(92) + '|')} |" for col, text in columns.items()]
    return [f"#### `{name}`", "", description, "", "| column | meaning |", "|---|---|", *rows, ""]


def render() -> str:
    out = [START, ""]
    for name, (description, columns) in warehouse.TABLE_DOCS.items():
        if name == warehouse.BUILD_INFO:
            continue  # described under its own heading
        out += _table(name, description, columns)
    models = warehouse.load_models()
    out += ["### Models", "", "One `sql/<name>.sql` file each, built in this order; `check_results` is made by "
            "the check engine from the rules in `pipeline/store/rules.toml`.", ""]
    for name in warehouse.model_order(models):
        m = models[name]
        reads = ", ".join(f"`{d}`" for d in sorted(m.deps))
        out += _table(name, f"{m.description} Reads {reads}." if reads else m.description, m.columns)
    out += ["### Build record", "", *_table(warehouse.BUILD_INFO, *warehouse.TABLE_DOCS[warehouse.BUILD_INFO])]
    return "\n".join(out) + "\n"


def update(text: str) -> str:
    a, b = text.index(START), text.index(END)
    return text[:a] + render() + text[b:]


def main(argv: list[str] | None = None) -> int:
    return readme_block.main(argv, __doc__.splitlines()[0], update, "data dictionary", "data_dictionary.py")


if __name__ == "__main__":
    sys.exit(main())
