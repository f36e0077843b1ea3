# Helpers shared by the rules: configuration and raw-data validation, path helpers.
# Validation happens here, at parse time, so that bad input stops every invocation
# (including dry runs) before any job starts and before anything is written.

import os
import re
import sys
from importlib import metadata
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.iocontainers import Wildcards

from tkimeta.configcheck import ConfigError, check_ae_terms, check_config_schema
from tkimeta.validation_cache import cached_validate_raw_dir, check_once

# Every schema error at once, each with its key path and its line in config.yaml
# (Snakemake's own validate() stops at the first and gives neither). Not repeated while
# the configuration, the schema and the library are what passed last time.
_CONFIG_SCHEMA = (Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml").read_text()
try:
    check_once(
        lambda: check_config_schema(config, yaml.safe_load(_CONFIG_SCHEMA), Path("config.yaml")),
        [config, _CONFIG_SCHEMA],
        Path(".snakemake") / "tkimeta" / "config_schema.passed",
    )
except ConfigError as err:
    raise WorkflowError(str(err)) from None

from tkimeta.code_inputs import code_inputs
from tkimeta.tables import CLEAN_TABLES, GATHERED_TABLES
from tkimeta.validate import STUDY_TABLES, RawDataError
from tkimeta.vocab import FAMILY_METHOD_SET, KIND_FAMILY, config_outcomes, outcomes_by_kind

# The workflow's own files, named relative to the working directory (not absolute), so
# that a copy of the project at another path finds its inputs unchanged.
WORKFLOW_ROOT = Path(os.path.relpath(workflow.basedir))
SCRIPTS_DIR = WORKFLOW_ROOT / "workflow" / "scripts"
PACKAGE_DIR = WORKFLOW_ROOT / "workflow" / "lib" / "tkimeta"

# The studies of this run: every registered study except those excluded by config.
_unregistered = [s for s in config.get("exclude", []) if s not in config["studies"]]
if _unregistered:
    raise WorkflowError(
        f"config.yaml, 'exclude': {', '.join(_unregistered)} is not a registered study; "
        f"registered under 'studies': {', '.join(config['studies'])}"
    )
STUDIES = [s for s in config["studies"] if s not in config.get("exclude", [])]
STUDY_CONFIG = {s: config["studies"][s] for s in STUDIES}
# The configuration as the rules see it: only the studies of this run.
RUN_CONFIG = {**config, "studies": STUDY_CONFIG}

# Kept between invocations while nothing the validation reads has changed (the raw
# files, the schemas, the library): a no-op or dry run then does not read them again.
# The rule clean reads the validated tables from the same place (it validates again
# if they are not there).
RAW_VALIDATION = dict(
    raw_dir=config["raw_dir"],
    studies=STUDIES,
    cache_file=str(Path(".snakemake") / "tkimeta" / "raw_validation.pickle"),
    skipped=config.get("exclude", []),
    seed_files={s: entry["seed_file"] for s, entry in STUDY_CONFIG.items()},
)
try:
    RAW_TABLES = cached_validate_raw_dir(**RAW_VALIDATION)
except RawDataError as err:
    raise WorkflowError(str(err)) from None

# Every configured adverse-event term must be a harmonised term some study prints.
try:
    check_ae_terms(config["outcomes"]["ae_terms"], RAW_TABLES, Path("config.yaml"))
except ConfigError as err:
    raise WorkflowError(str(err)) from None

# Every pooled outcome, in config order, and the method set (config pooling section)
# that pools each: outcome kind -> family -> method set, as tkimeta.vocab defines them.
OUTCOMES = config_outcomes(config["outcomes"])
METHOD_SET = {
    outcome: FAMILY_METHOD_SET[KIND_FAMILY[kind]]
    for kind, outcomes in outcomes_by_kind(config["outcomes"]).items()
    for outcome in outcomes
}
# The threads of a job that does one independent piece per outcome or figure (pool,
# figures_forest): it forks this many workers (tkimeta.parallel). Snakemake gives fewer
# where --cores is smaller. clean and audit stay in one process: their pieces are small
# and their workers' copies of the tables took their memory past 300 MiB at 1,000 studies.
PIECEWISE_THREADS = 2

STUDY_LABELS = {s: entry["label"] for s, entry in STUDY_CONFIG.items()}


wildcard_constraints:
    study="|".join(STUDIES),
    outcome="|".join(OUTCOMES),


def code_of(script):
    """Library files that a script runs, derived from its imports. They are inputs of
    the job, so that editing any module the script reaches reruns the job."""
    return code_inputs(SCRIPTS_DIR / script, PACKAGE_DIR)


def _raw_tables_by_study():
    by_study = {}
    for kind in STUDY_TABLES:
        for table in RAW_TABLES[kind]:
            by_study.setdefault(table.path.parent.name, []).append(str(table.path))
    return {study: sorted(paths) for study, paths in by_study.items()}


# grouped once: looking each study up in the list of every table was quadratic in the studies
_RAW_TABLES_BY_STUDY = _raw_tables_by_study()


def raw_tables(study):
    """The raw tables present for one study (validated above)."""
    return _RAW_TABLES_BY_STUDY.get(study, [])


def clean_outputs():
    """The gathered clean tables (results/clean/*.csv)."""
    return expand("results/clean/{kind}.csv", kind=GATHERED_TABLES)


def pooling_methods(outcome):
    """Primary method first, then the sensitivity methods, of the method set that pools one outcome."""
    chosen = config["pooling"][METHOD_SET[outcome]]
    return [chosen["primary"]] + [m for m in chosen["sensitivity"] if m != chosen["primary"]]


REPORT_TABLES = [
    "studies",
    "audit_summary",
    "findings",
    "audit_findings_summary",
    "audit_findings",
    "corrections",
    "pooled",
    "liver",
    "subgroup_tests",
    "methods",
    "sensitivity",
    "tumour_types",
    "inputs",
    "versions",
    "minors",
    "minors_reasons",
    "grade",
    "denominators",
    "ae_definitions",
    # generated prose (tkimeta.report.prose)
    "bottom_line",
    "conclusions",
    "evidence",
    "liver_intro",
    "study_references",
    "grade_notes",
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
    for source in sorted((WORKFLOW_ROOT / "report").glob("*.qmd")):
        found += re.findall(r"\]\((figures/[^)\s]+)\)", source.read_text(encoding="utf-8"))
    return [f"results/{figure}" for figure in dict.fromkeys(found)]


def rule_graph():
    """The rule names and the (upstream, downstream) pairs of rules where the first makes
    an input of the second: the graph `snakemake --rulegraph` draws, read from the parsed
    rules instead of from a second Snakemake. That is exact here because no rule has
    wildcards (every input and output is a known file name); call it once all rules are
    defined (from a params function)."""
    # (one-letter names, because snakemake --lint takes the word rule, a space and a later
    # colon on one line for a rule definition)
    if any(r.wildcard_names for r in workflow.rules):
        raise WorkflowError("rule_graph() assumes rules without wildcards; use snakemake --rulegraph instead")
    producer = {str(path): r.name for r in workflow.rules for path in r.output}
    edges = set()
    for r in workflow.rules:
        for item in r.input:
            # an input function (evidence_changelog names the report assets so) is called
            paths = item(Wildcards()) if callable(item) else [item]
            for path in [paths] if isinstance(paths, str) else paths:
                if str(path) in producer:
                    edges.add((producer[str(path)], r.name))
    return sorted(r.name for r in workflow.rules), sorted(edges)


def remove_outputs_of_older_state():
    """After a failed run: if any job finished (results/ now holds some new outputs),
    remove the existing outputs of every job the run planned but did not finish, so that
    what remains is consistent with its inputs and the next run rebuilds the rest."""
    dag = workflow.dag
    planned = list(dag.needrun_jobs(exclude_finished=False))
    if not any(dag.finished(job) for job in planned):
        return  # nothing was rewritten: results/ is as it was
    stale = sorted({str(f) for job in planned if not dag.finished(job) for f in job.output if os.path.lexists(f)})
    for path in stale:
        os.remove(path)
    if stale:
        shown = ", ".join(stale[:8]) + (f" and {len(stale) - 8} more" if len(stale) > 8 else "")
        print(
            f"The run failed after rewriting some results; removed {len(stale)} output(s) of the older state so "
            f"that results/ does not mix two states of the data (the next run rebuilds them): {shown}",
            file=sys.stderr,
        )
