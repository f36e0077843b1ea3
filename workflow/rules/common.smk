# Helpers shared by the rules: configuration and raw-data validation, path helpers.
# Validation happens here, at parse time, so that bad input stops every invocation
# (including dry runs) before any job starts and before anything is written.

import re
import sys
from importlib import metadata
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

try:
    validate(config, schema="../schemas/config.schema.yaml")
except WorkflowError as err:  # Snakemake's message does not say which file is wrong
    raise WorkflowError(f"config.yaml does not match workflow/schemas/config.schema.yaml.\n{err}") from None

# The library (already on sys.path: preflight.smk put it there before the config loaded).
LIB_DIR = Path(workflow.basedir) / "workflow" / "lib"

from tkimeta.tables import CLEAN_TABLES, GATHERED_TABLES  # noqa: E402
from tkimeta.validate import STUDY_TABLES, RawDataError, validate_raw_dir  # noqa: E402
from tkimeta.vocab import FAMILY_METHOD_SET, KIND_FAMILY, config_outcomes, outcomes_by_kind  # noqa: E402

try:
    RAW_TABLES = validate_raw_dir(Path(config["raw_dir"]), list(config["studies"]))
except RawDataError as err:
    raise WorkflowError(str(err)) from None

STUDIES = list(config["studies"])
# Every pooled outcome, in config order, and the method set (config pooling section)
# that pools each: outcome kind -> family -> method set, as tkimeta.vocab defines them.
OUTCOMES = config_outcomes(config["outcomes"])
METHOD_SET = {
    outcome: FAMILY_METHOD_SET[KIND_FAMILY[kind]]
    for kind, outcomes in outcomes_by_kind(config["outcomes"]).items()
    for outcome in outcomes
}
STUDY_LABELS = {s: entry["label"] for s, entry in config["studies"].items()}


wildcard_constraints:
    study="|".join(STUDIES),
    outcome="|".join(OUTCOMES),


def lib(*modules):
    """Library modules a rule's script imports: inputs, so that editing them reruns it."""
    return [str(LIB_DIR / "tkimeta" / m) for m in modules]


def raw_tables(study):
    """The raw tables present for one study (validated above)."""
    return sorted(str(t.path) for kind in STUDY_TABLES for t in RAW_TABLES[kind] if t.path.parent.name == study)


def clean_outputs():
    """The gathered clean tables (results/clean/*.csv)."""
    return expand("results/clean/{kind}.csv", kind=GATHERED_TABLES)


def pooling_methods(outcome):
    """Primary method first, then the sensitivity methods, of the method set that pools one outcome."""
    chosen = config["pooling"][METHOD_SET[outcome]]
    return [chosen["primary"]] + [m for m in chosen["sensitivity"] if m != chosen["primary"]]


REPORT_TABLES = [
    "studies", "audit_summary", "findings", "corrections", "pooled", "liver", "subgroup_tests",
    "methods", "sensitivity", "inputs", "versions",
]


def software_versions():
    """Versions of the software that produced the results (for the report's appendix)."""
    versions = {"Python": sys.version.split()[0]}
    for package in ["snakemake", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "pypandoc_binary", "typst"]:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def report_figures():
    """The figures the report lays out (PNG for both HTML and PDF): those its source
    refers to as ``![caption](figures/<name>.png)``, in the order it shows them."""
    found = []
    for source in sorted(Path("report").glob("*.qmd")):
        found += re.findall(r"\]\((figures/[^)\s]+)\)", source.read_text(encoding="utf-8"))
    return [f"results/{figure}" for figure in dict.fromkeys(found)]
