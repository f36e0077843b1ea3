"""Names of the raw and cleaned tables (no heavy imports: the Snakefile reads these at parse time)."""

#: Table kinds a study folder may hold, in the order they are reported.
STUDY_TABLES = (
    "characteristics",
    "baseline",
    "response",
    "rates",
    "survival",
    "landmarks",
    "effects",
    "adverse_events",
    "rankings",
    "claims",
    "risk_of_bias",
    "ae_term_map",
)

#: Per-study cleaned tables, in output order. ``response_counts`` is the long form of
#: the raw response table (the wide contract table is built when studies are gathered).
CLEAN_TABLES = [
    "response_counts" if kind == "response" else kind for kind in STUDY_TABLES if kind != "ae_term_map"
] + ["corrections"]

#: Tables written to results/clean/ when the studies are gathered.
GATHERED_TABLES = CLEAN_TABLES[:2] + ["response"] + CLEAN_TABLES[2:]

#: Columns of ``corrections.csv``: one row per OCR repair (:mod:`tkimeta.ocr`), with its reason.
CORRECTION_COLUMNS = ["study_id", "table", "row_id", "column", "printed", "corrected", "rule", "reason"]
