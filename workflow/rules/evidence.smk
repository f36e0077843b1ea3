# Living evidence: cumulative meta-analysis in publication order, small-study effects,
# and the changelog against a previous release (config `changelog: previous:`).
# Statistics in workflow/lib/tkimeta/evidence and tkimeta/stats/smallstudy.py.

EVIDENCE = config.get("evidence", {})
# Main outcomes (config `evidence: cumulative_outcomes:`, by default the response rates and
# medians) and every liver-metastasis contrast.
CUMULATIVE_OUTCOMES = [
    o
    for o in dict.fromkeys(
        EVIDENCE.get("cumulative_outcomes", config["outcomes"]["response"] + config["outcomes"]["medians"])
        + config["outcomes"]["contrasts"]
    )
    if o in OUTCOMES
]
PREVIOUS_RELEASE = (config.get("changelog") or {}).get("previous") or ""
# The report's include files written here (report_render copies them into _generated/).
EVIDENCE_TABLES = ["results/evidence/living_evidence.md"]
EVIDENCE_FIGURES = ["cumulative", "funnel"]


# A previous release given as a folder is an input (a change to it reruns the changelog);
# a git revision is read with git at run time.
_PREVIOUS_DIR = Path(PREVIOUS_RELEASE) if PREVIOUS_RELEASE and Path(PREVIOUS_RELEASE).is_dir() else None
if _PREVIOUS_DIR is not None and (_PREVIOUS_DIR / "results" / "pooled").is_dir():
    _PREVIOUS_DIR = _PREVIOUS_DIR / "results"
PREVIOUS_RELEASE_FILES = sorted(
    str(p)
    for p in (_PREVIOUS_DIR.rglob("*.csv") if _PREVIOUS_DIR else [])
    if p.parent.name in ("pooled", "assets", "evidence", "report")
)


rule evidence_analyses:
    input:
        inputs="results/pooled/inputs.csv",
        characteristics="results/clean/characteristics.csv",
        code=code_of("evidence_analyses.py"),
    output:
        cumulative="results/evidence/cumulative.csv",
        order="results/evidence/publication_order.csv",
        small_study="results/evidence/small_study.csv",
    log:
        "logs/evidence_analyses/evidence_analyses.log",
    benchmark:
        "benchmarks/evidence_analyses/evidence_analyses.tsv"
    conda:
        "../../envs/pool.yaml"
    resources:
        mem_mb=512,
        runtime=10,
    params:
        # the pooled studies (a context study is shown beside, never pooled)
        studies=[s for s, entry in STUDY_CONFIG.items() if entry["role"] == "single_arm"],
        cumulative_outcomes=CUMULATIVE_OUTCOMES,
        outcomes=OUTCOMES,
        method=EVIDENCE.get("cumulative_method", "reml_hksj"),
        min_k=EVIDENCE.get("small_study_min_k", 10),
        ci_level=config["pooling"]["ci_level"],
        min_k_pi=config["pooling"]["min_k_prediction_interval"],
        nagq=config["pooling"]["proportions"]["glmm_quadrature_points"],
    script:
        "../scripts/evidence_analyses.py"


rule figures_evidence:
    input:
        cumulative="results/evidence/cumulative.csv",
        small_study="results/evidence/small_study.csv",
        inputs="results/pooled/inputs.csv",
        code=code_of("figures_evidence.py"),
    output:
        cumulative="results/figures/cumulative.png",
        funnel="results/figures/funnel.png",
        pdfs=expand("results/figures/{name}.pdf", name=EVIDENCE_FIGURES),
    log:
        "logs/figures_evidence/figures_evidence.log",
    benchmark:
        "benchmarks/figures_evidence/figures_evidence.tsv"
    conda:
        "../../envs/figures.yaml"
    resources:
        mem_mb=512,
        runtime=5,
    params:
        labels=STUDY_LABELS,
        ci_level=config["pooling"]["ci_level"],
    script:
        "../scripts/figures_evidence.py"


rule evidence_changelog:
    input:
        current=[
            "results/pooled/estimates.csv",
            "results/pooled/study_estimates.csv",
            "results/pooled/subgroup_tests.csv",
            "results/pooled/inputs.csv",
            "results/evidence/cumulative.csv",
            "results/evidence/small_study.csv",
        ],
        # the report's generated tables (GRADE, ...), diffed too when they are CSV
        assets=lambda wc: [str(p) for p in rules.report_assets.output],
        previous=PREVIOUS_RELEASE_FILES,
        code=code_of("evidence_changelog.py"),
    output:
        changes="results/evidence/changelog.csv",
        markdown="results/evidence/changelog.md",
    log:
        "logs/evidence_changelog/evidence_changelog.log",
    benchmark:
        "benchmarks/evidence_changelog/evidence_changelog.tsv"
    conda:
        "../../envs/pool.yaml"
    resources:
        mem_mb=512,
        runtime=5,
    params:
        previous=PREVIOUS_RELEASE,
        results=lambda wc, input: str(Path(input.current[0]).parents[1]),
        repo=lambda wc: str(WORKFLOW_ROOT),
    script:
        "../scripts/evidence_changelog.py"


rule evidence_report:
    input:
        cumulative="results/evidence/cumulative.csv",
        order="results/evidence/publication_order.csv",
        small_study="results/evidence/small_study.csv",
        changelog="results/evidence/changelog.md",
        code=code_of("evidence_report.py"),
    output:
        markdown=EVIDENCE_TABLES[0],
    log:
        "logs/evidence_report/evidence_report.log",
    benchmark:
        "benchmarks/evidence_report/evidence_report.tsv"
    conda:
        "../../envs/report.yaml"
    resources:
        mem_mb=512,
        runtime=5,
    params:
        labels=STUDY_LABELS,
        previous=PREVIOUS_RELEASE,
        min_k=EVIDENCE.get("small_study_min_k", 10),
        method=EVIDENCE.get("cumulative_method", "reml_hksj"),
    script:
        "../scripts/evidence_report.py"
