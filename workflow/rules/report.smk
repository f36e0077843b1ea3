# Report: numbers and tables from the results files, then the Quarto document rendered
# to a self-contained HTML file and a PDF.


rule report_assets:
    input:
        estimates="results/pooled/estimates.csv",
        tests="results/pooled/subgroup_tests.csv",
        inputs="results/pooled/inputs.csv",
        audit="results/audit/audit.csv",
        audit_summary="results/audit/summary.csv",
        corrections="results/clean/corrections.csv",
        characteristics="results/clean/characteristics.csv",
        baseline="results/clean/baseline.csv",
        config="config.yaml",
        code=lib("report/assets.py", "io.py"),
    output:
        variables="results/report/assets/variables.yml",
        config="results/report/assets/config.md",
        **{name: f"results/report/assets/{name}.md" for name in REPORT_TABLES},
    params:
        config=config,
        primary_methods={o: pooling_methods(o)[0] for o in OUTCOMES},
        versions=software_versions(),
    resources:
        mem_mb=512,
        runtime=5,
    log:
        "logs/report_assets/report_assets.log",
    benchmark:
        "benchmarks/report_assets/report_assets.tsv"
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/report_assets.py"


rule report_render:
    input:
        source=sorted(str(p) for p in Path("report").glob("*") if p.is_file()),
        variables="results/report/assets/variables.yml",
        tables=expand("results/report/assets/{name}.md", name=REPORT_TABLES + ["config"]),
        figures=report_figures(),
        code=lib("report/render.py", "report/crossref.lua", "report/style.css", "report/typst-header.typ"),
    output:
        html="results/report/report.html",
        pdf="results/report/report.pdf",
    params:
        source=lambda wc, input: str(Path(input.source[0]).parent),
        quarto=config["report"]["quarto"],
    resources:
        mem_mb=1024,
        runtime=15,
    log:
        "logs/report_render/report_render.log",
    benchmark:
        "benchmarks/report_render/report_render.tsv"
    conda:
        "../../envs/report.yaml"
    script:
        "../scripts/report_render.py"
