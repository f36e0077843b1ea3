"""A synthetic single-arm colorectal study, typed in the project's raw format as a
curator would after running the scaffold (tkimeta.scaffold). Not a real paper."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

STUDY = "synth_crc"
SEED = "900_0000000000000000.txt"
LABEL = "Synthetic TKI + PD-1, mCRC (test fixture)"
SOURCE = dict(seed_file=SEED, note="synthetic test fixture")

ROWS = {
    "characteristics": [
        dict(item="title", value="Synthetic TKI plus PD-1 blockade in refractory mCRC", location="abstract",
             source_label="Synthetic TKI plus PD-1 blockade"),
        dict(item="design", value="retrospective", location="methods", source_label="retrospective study"),
        dict(item="n_treated", value="50", location="methods", source_label="50 patients were treated"),
        dict(item="n_evaluable", value="50", location="results", source_label="all 50 patients were evaluable"),
        dict(item="publication_year", value="2026", location="abstract", source_label="(c) The Authors 2026"),
    ],
    "baseline": [
        dict(characteristic="liver_metastasis", category="yes", count="30", percent="60.0", total="50",
             location="table_1", source_label="Table 1 row Liver metastasis: Yes"),
        dict(characteristic="liver_metastasis", category="no", count="20", percent="40.0", total="50",
             location="table_1", source_label="Table 1 row Liver metastasis: No"),
    ],
    "response": [
        dict(population="all", denominator="itt", n="50", category=c, count=n, location="results",
             source_label=f"{c} in {n} patients")
        for c, n in [("CR", "0"), ("PR", "12"), ("SD", "25"), ("PD", "13")]
    ],
    "survival": [
        dict(population="all", endpoint="PFS", n="50", median="4.8", ci_lower="3.5", ci_upper="6.1", ci_level="95",
             location="results", source_label="median PFS 4.8 months (95% CI 3.5-6.1)"),
        dict(population="all", endpoint="OS", n="50", median="11.0", ci_lower="8.2", ci_upper="13.8", ci_level="95",
             location="results", source_label="median OS 11.0 months (95% CI 8.2-13.8)"),
        dict(population="liver_met", endpoint="PFS", n="30", median="3.9", ci_lower="2.8", ci_upper="5.0",
             ci_level="95", location="results", source_label="liver metastasis: median PFS 3.9 months"),
        dict(population="no_liver_met", endpoint="PFS", n="20", median="6.2", ci_lower="4.1", ci_upper="8.3",
             ci_level="95", location="results", source_label="no liver metastasis: median PFS 6.2 months"),
    ],
    "effects": [
        dict(population="all", endpoint="PFS", factor="liver_metastasis", level="yes", reference="no", measure="HR",
             estimate="1.80", ci_lower="1.01", ci_upper="3.21", ci_level="95", interval="ci", p_value="0.046",
             p_relation="=", test="cox_univariate", location="results",
             source_label="liver metastasis HR 1.80 (95% CI 1.01-3.21)"),
    ],
}


def add_synthetic_study(workdir: Path) -> list[Path]:
    """Scaffold the study in ``workdir`` (the project's own command), type its tables,
    delete the tables it has no data for. Returns the files written."""
    subprocess.run([sys.executable, "-m", "tkimeta.scaffold", STUDY, "--seed-file", SEED, "--label", LABEL,
                    "--cancer", "colorectal", "--role", "single_arm", "--root", str(workdir)],
                   check=True, capture_output=True, text=True)
    folder = workdir / "data" / "raw" / STUDY
    written = []
    for path in sorted(folder.glob("*.csv")):
        rows = ROWS.get(path.stem)
        if rows is None:
            path.unlink()
            continue
        header = path.read_text(encoding="utf-8").strip().split(",")
        with path.open("a", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
            for row in rows:
                writer.writerow({"study_id": STUDY, **SOURCE, **row})
        written.append(path)
    return written
