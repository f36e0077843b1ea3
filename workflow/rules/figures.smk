# Figures: PNG (for the HTML report) and vector PDF of each, byte-reproducible.


rule figures_forest:
    input:
        estimates="results/pooled/estimates.csv",
        studies="results/pooled/study_estimates.csv",
        tests="results/pooled/subgroup_tests.csv",
        code=code_of("figures_forest.py"),
    output:
        png=[
            report(
                f"results/figures/forest_{o}.png",
                caption="../report/forest.rst",
                category="Forest plots",
                labels={"outcome": o},
            )
            for o in OUTCOMES
        ],
        pdf=expand("results/figures/forest_{outcome}.pdf", outcome=OUTCOMES),
    log:
        "logs/figures_forest/figures_forest.log",
    benchmark:
        "benchmarks/figures_forest/figures_forest.tsv"
    conda:
        "../../envs/figures.yaml"
    threads: PIECEWISE_THREADS
    resources:
        mem_mb=1024,
        runtime=15,
    params:
        outcomes=OUTCOMES,
        primary_methods={o: pooling_methods(o)[0] for o in OUTCOMES},
        labels=STUDY_LABELS,
        pi_method=config["pooling"].get("prediction_interval", "metafor"),
    script:
        "../scripts/figures_forest.py"


rule figures_summary:
    input:
        estimates="results/pooled/estimates.csv",
        studies="results/pooled/study_estimates.csv",
        findings="results/audit/findings.csv",
        findings_summary="results/audit/findings_summary.csv",
        effects="results/clean/effects.csv",
        code=code_of("figures_summary.py"),
    output:
        contrasts=report(
            "results/figures/contrasts_liver.png",
            caption="../report/contrasts.rst",
            category="Liver metastasis",
            labels={"figure": "within-study contrasts"},
        ),
        audit=report(
            "results/figures/audit_overview.png",
            caption="../report/audit_overview.rst",
            category="Audit",
            labels={"figure": "audit overview"},
        ),
        ae=report(
            "results/figures/ae_rates.png",
            caption="../report/ae_rates.rst",
            category="Adverse events",
            labels={"figure": "adverse-event rates"},
        ),
        nma=report(
            "results/figures/nma_context.png",
            caption="../report/nma_context.rst",
            category="Context",
            labels={"figure": "network meta-analysis"},
        ),
        pdfs=expand("results/figures/{name}.pdf", name=["contrasts_liver", "audit_overview", "ae_rates", "nma_context"]),
    log:
        "logs/figures_summary/figures_summary.log",
    benchmark:
        "benchmarks/figures_summary/figures_summary.tsv"
    conda:
        "../../envs/figures.yaml"
    resources:
        mem_mb=512,
        runtime=10,
    params:
        studies=STUDIES,
        context_studies=[s for s, entry in STUDY_CONFIG.items() if entry["role"] == "context"],
        labels=STUDY_LABELS,
        contrasts=config["outcomes"]["contrasts"],
        primary_methods={o: pooling_methods(o)[0] for o in OUTCOMES},
    script:
        "../scripts/figures_summary.py"


rule figure_risk_of_bias:
    input:
        rob="results/clean/risk_of_bias.csv",
        code=code_of("figure_risk_of_bias.py"),
    output:
        png=report(
            "results/figures/risk_of_bias.png",
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
            labels={"figure": "MINORS traffic light"},
        ),
        pdf="results/figures/risk_of_bias.pdf",
    log:
        "logs/figure_risk_of_bias/figure_risk_of_bias.log",
    benchmark:
        "benchmarks/figure_risk_of_bias/figure_risk_of_bias.tsv"
    conda:
        "../../envs/figures.yaml"
    resources:
        mem_mb=512,
        runtime=5,
    params:
        studies=[s for s, entry in STUDY_CONFIG.items() if entry["role"] == "single_arm"],
    script:
        "../scripts/figure_risk_of_bias.py"


rule figure_flow:
    input:
        estimates="results/pooled/estimates.csv",
        code=code_of("figure_flow.py"),
    output:
        png=report(
            "results/figures/flow.png",
            caption="../report/flow.rst",
            category="Evidence",
            labels={"figure": "flow of the evidence"},
        ),
        pdf="results/figures/flow.pdf",
    log:
        "logs/figure_flow/figure_flow.log",
    benchmark:
        "benchmarks/figure_flow/figure_flow.tsv"
    conda:
        "../../envs/figures.yaml"
    resources:
        mem_mb=512,
        runtime=5,
    params:
        studies=config["studies"],
        excluded=config.get("exclude", []),
        outcomes=config["outcomes"]["response"]
        + config["outcomes"]["medians"]
        + config["outcomes"]["adverse_events"]
        + config["outcomes"]["contrasts"],
        primary_methods={o: pooling_methods(o)[0] for o in OUTCOMES},
    script:
        "../scripts/figure_flow.py"


rule figure_rulegraph:
    input:
        snakefile=str(WORKFLOW_ROOT / "Snakefile"),
        rules=sorted(str(p) for p in (WORKFLOW_ROOT / "workflow" / "rules").glob("*.smk")),
        code=code_of("figure_rulegraph.py"),
    output:
        png=report(
            "results/figures/rulegraph.png",
            caption="../report/rulegraph.rst",
            category="Workflow",
            labels={"figure": "rule graph"},
        ),
        pdf="results/figures/rulegraph.pdf",
    log:
        "logs/figure_rulegraph/figure_rulegraph.log",
    benchmark:
        "benchmarks/figure_rulegraph/figure_rulegraph.tsv"
    conda:
        "../../envs/figures.yaml"
    resources:
        mem_mb=768,
        runtime=10,
    params:
        graph=lambda wc: rule_graph(),
    script:
        "../scripts/figure_rulegraph.py"
