# Figures: PNG (for the HTML report) and vector PDF of each, byte-reproducible.


rule figures_forest:
    input:
        estimates="results/pooled/estimates.csv",
        studies="results/pooled/study_estimates.csv",
        tests="results/pooled/subgroup_tests.csv",
        code=lib("plots/forest.py", "plots/_table.py", "plots/style.py", "report/assets.py"),
    output:
        png=expand("results/figures/forest_{outcome}.png", outcome=OUTCOMES),
        pdf=expand("results/figures/forest_{outcome}.pdf", outcome=OUTCOMES),
    params:
        outcomes=OUTCOMES,
        primary_methods={o: pooling_methods(o)[0] for o in OUTCOMES},
        labels=STUDY_LABELS,
    threads: 2
    resources:
        mem_mb=1024,
        runtime=15,
    log:
        "logs/figures_forest/figures_forest.log",
    benchmark:
        "benchmarks/figures_forest/figures_forest.tsv"
    conda:
        "../../envs/figures.yaml"
    script:
        "../scripts/figures_forest.py"


rule figures_summary:
    input:
        estimates="results/pooled/estimates.csv",
        studies="results/pooled/study_estimates.csv",
        audit="results/audit/audit.csv",
        effects="results/clean/effects.csv",
        code=lib("plots/contrasts.py", "plots/audit.py", "plots/ae.py", "plots/nma.py", "plots/data.py",
                 "plots/_table.py", "plots/style.py"),
    output:
        contrasts="results/figures/contrasts_liver.png",
        audit="results/figures/audit_overview.png",
        ae="results/figures/ae_rates.png",
        nma="results/figures/nma_context.png",
        pdfs=expand("results/figures/{name}.pdf", name=["contrasts_liver", "audit_overview", "ae_rates", "nma_context"]),
    params:
        studies=STUDIES,
        labels=STUDY_LABELS,
        contrasts=config["outcomes"]["contrasts"],
        primary_methods={o: pooling_methods(o)[0] for o in OUTCOMES},
    resources:
        mem_mb=512,
        runtime=10,
    log:
        "logs/figures_summary/figures_summary.log",
    benchmark:
        "benchmarks/figures_summary/figures_summary.tsv"
    conda:
        "../../envs/figures.yaml"
    script:
        "../scripts/figures_summary.py"


rule figure_rulegraph:
    input:
        snakefile="Snakefile",
        rules=sorted(str(p) for p in Path("workflow/rules").glob("*.smk")),
        code=lib("plots/rulegraph.py", "plots/style.py"),
    output:
        png="results/figures/rulegraph.png",
        pdf="results/figures/rulegraph.pdf",
    params:
        python=sys.executable,
    resources:
        mem_mb=768,
        runtime=10,
    log:
        "logs/figure_rulegraph/figure_rulegraph.log",
    benchmark:
        "benchmarks/figure_rulegraph/figure_rulegraph.tsv"
    conda:
        "../../envs/figures.yaml"
    script:
        "../scripts/figure_rulegraph.py"
