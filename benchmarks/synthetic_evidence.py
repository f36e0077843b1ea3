"""A synthetic evidence base of many single-arm studies, typed in the raw format, for the
scale benchmark (``run_benchmark.py --studies 1000``). Not real papers.

Each study prints what a typical paper of the field prints, internally consistent (so the
audit has work but few findings): the patients and how many had liver metastases, the
best-response counts, median PFS and OS overall and by liver-metastasis status with 95%
CIs, and the hazard ratio of liver metastasis for PFS. The numbers are drawn from a
seeded generator, so the same ``n`` and ``seed`` give the same bytes.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import yaml

SEED_FILE = "900_{:016x}.txt"
HEADERS_FROM = "tkimeta.schemas"  # the columns of each table are those of its schema


def study_id(i: int) -> str:
    return f"synth_{i:05d}"


def _columns(kind: str) -> list[str]:
    from tkimeta.validate import load_schema

    return list(load_schema(kind)[0]["properties"])


def _median_row(rng, population, endpoint, n, median, location):
    se_log = 1.0 / math.sqrt(max(n * 0.7, 4))  # about events^-1/2 on the log scale
    low, high = median * math.exp(-1.96 * se_log), median * math.exp(1.96 * se_log)
    return dict(population=population, endpoint=endpoint, n=str(n), median=f"{median:.1f}", ci_lower=f"{low:.1f}",
                ci_upper=f"{high:.1f}", ci_level="95", location=location,
                source_label=f"{population}: median {endpoint} {median:.1f} months (95% CI {low:.1f}-{high:.1f})")


def study_rows(i: int, rng: random.Random) -> dict[str, list[dict]]:
    """The raw rows of synthetic study ``i`` (without study_id, seed_file, note)."""
    n = rng.randint(30, 150)
    liver = max(3, min(n - 3, round(n * rng.uniform(0.35, 0.7))))
    p = 1 / (1 + math.exp(-rng.gauss(-1.4, 0.5)))
    cr = sum(rng.random() < p * 0.1 for _ in range(n))
    pr = sum(rng.random() < p * 0.9 for _ in range(n - cr))
    sd = sum(rng.random() < 0.5 for _ in range(n - cr - pr))
    pd_ = n - cr - pr - sd
    pfs, os_ = rng.lognormvariate(math.log(5.0), 0.3), rng.lognormvariate(math.log(13.0), 0.3)
    hr = rng.lognormvariate(math.log(1.6), 0.25)
    se = math.sqrt(1 / (0.6 * liver) + 1 / (0.6 * (n - liver)))
    hr_low, hr_high = hr * math.exp(-1.96 * se), hr * math.exp(1.96 * se)
    z = math.log(hr) / se
    p_value = math.erfc(abs(z) / math.sqrt(2))
    return {
        "characteristics": [
            dict(item="title", value=f"Synthetic study {i} of TKI plus PD-1 blockade", location="abstract",
                 source_label=f"Synthetic study {i}"),
            dict(item="design", value="retrospective", location="methods", source_label="retrospective study"),
            dict(item="n_treated", value=str(n), location="methods", source_label=f"{n} patients were treated"),
            dict(item="publication_year", value=str(2018 + i % 9), location="abstract",
                 source_label=f"(c) The Authors {2018 + i % 9}"),
        ],
        "baseline": [
            dict(characteristic="liver_metastasis", category="yes", count=str(liver), percent=f"{100 * liver / n:.1f}",
                 total=str(n), location="table_1", source_label="Table 1 row Liver metastasis: Yes"),
            dict(characteristic="liver_metastasis", category="no", count=str(n - liver),
                 percent=f"{100 * (n - liver) / n:.1f}", total=str(n), location="table_1",
                 source_label="Table 1 row Liver metastasis: No"),
        ],
        "response": [
            dict(population="all", denominator="itt", n=str(n), category=c, count=str(k), location="results",
                 source_label=f"{c} in {k} patients")
            for c, k in [("CR", cr), ("PR", pr), ("SD", sd), ("PD", pd_)]
        ],
        "survival": [
            _median_row(rng, "all", "PFS", n, pfs, "results"),
            _median_row(rng, "all", "OS", n, os_, "results"),
            _median_row(rng, "liver_met", "PFS", liver, pfs * 0.85, "results"),
            _median_row(rng, "no_liver_met", "PFS", n - liver, pfs * 1.2, "results"),
        ],
        "effects": [
            dict(population="all", endpoint="PFS", factor="liver_metastasis", level="yes", reference="no",
                 measure="HR", estimate=f"{hr:.2f}", ci_lower=f"{hr_low:.2f}", ci_upper=f"{hr_high:.2f}",
                 ci_level="95", interval="ci", p_value=f"{max(p_value, 0.001):.3f}",
                 p_relation="=" if p_value >= 0.001 else "<", test="cox_univariate", location="results",
                 source_label=f"liver metastasis HR {hr:.2f} (95% CI {hr_low:.2f}-{hr_high:.2f})"),
        ],
    }


def write_synthetic_evidence(workdir: Path, n_studies: int, seed: int = 20261202) -> list[str]:
    """Replace the studies of the workflow copy in ``workdir`` by ``n_studies`` synthetic
    ones (folders in data/raw/, entries in config.yaml). Returns the study ids."""
    workdir = Path(workdir)
    raw = workdir / "data" / "raw"
    for folder in raw.iterdir():
        if folder.is_dir():
            for table in folder.iterdir():
                table.unlink()
            folder.rmdir()
    rng = random.Random(seed)
    config_path = workdir / "config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    studies = {}
    for i in range(n_studies):
        sid = study_id(i)
        seed_file = SEED_FILE.format(i)
        folder = raw / sid
        folder.mkdir(parents=True)
        for kind, rows in study_rows(i, rng).items():
            columns = _columns(kind)
            with (folder / f"{kind}.csv").open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                for row in rows:
                    writer.writerow({"study_id": sid, "seed_file": seed_file, "note": "synthetic benchmark study",
                                     **row})
        studies[sid] = {"seed_file": seed_file, "label": f"Synthetic study {i}", "cancer": "colorectal",
                        "role": "single_arm", "ocr": False}
    config["studies"] = studies
    config.pop("exclude", None)
    # terms no synthetic study prints would be refused (an ae_terms entry must match a study)
    config["outcomes"]["ae_terms"] = []
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return list(studies)
