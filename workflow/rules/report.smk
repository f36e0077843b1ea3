# Report: numbers and tables from the results files, then the Quarto document rendered
# to a self-contained HTML file and a PDF.


rule report_assets:
    input:
        estimates="results/pooled/estimates.csv",
        tests="results/pooled/subgroup_tests.csv",
        inputs="results/pooled/inputs.csv",
        audit="results/audit/audit.csv",
        audit_summary="results/audit/summary.csv",
        findings="results/audit/findings.csv",
        findings_summary="results/audit/findings_summary.csv",
        corrections="results/clean/corrections.csv",
        characteristics="results/clean/characteristics.csv",
        baseline="results/clean/baseline.csv",
        risk_of_bias="results/clean/risk_of_bias.csv",
        response_counts="results/clean/response_counts.csv",
        adverse_events="results/clean/adverse_events.csv",
        config="config.yaml",
        code=code_of("report_assets.py"),
    output:
        **{name: f"results/report/assets/{name}.md" for name in REPORT_TABLES},
        variables="results/report/assets/variables.yml",
        config="results/report/assets/config.md",
    log:
        "logs/report_assets/report_assets.log",
    benchmark:
        "benchmarks/report_assets/report_assets.tsv"
    conda:
        "../../envs/report.yaml"
    resources:
        mem_mb=512,
        runtime=5,
    params:
        config=RUN_CONFIG,
        primary_methods={o: pooling_methods(o)[0] for o in OUTCOMES},
        main_outcomes=config["outcomes"]["response"]
        + config["outcomes"]["adverse_events"]
        + config["outcomes"]["medians"],
        liver_outcomes=config["outcomes"]["contrasts"],
        versions=software_versions(),
    script:
        "../scripts/report_assets.py"


rule report_render:
    input:
        source=sorted(str(p) for p in (WORKFLOW_ROOT / "report").glob("*") if p.is_file()),
        variables="results/report/assets/variables.yml",
        tables=expand("results/report/assets/{name}.md", name=REPORT_TABLES + ["config"]) + EVIDENCE_TABLES,
        figures=report_figures(),
        code=code_of("report_render.py"),
    output:
        html=report(
            "results/report/report.html",
            caption="../report/report_html.rst",
            category="Report",
            labels={"report": "analysis report"},
        ),
        pdf="results/report/report.pdf",
    log:
        "logs/report_render/report_render.log",
    benchmark:
        "benchmarks/report_render/report_render.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 2  # the HTML and the PDF are made side by side
    resources:
        mem_mb=1024,
        runtime=15,
    params:
        source=lambda wc, input: str(Path(input.source[0]).parent),
        quarto=config["report"]["quarto"],
    script:
        "../scripts/report_render.py"
