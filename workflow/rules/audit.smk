# Audit: every printed number of one paper recomputed and cross-checked (one job per
# paper, so a reviewer can rerun one), then gathered with a per-paper summary.


rule audit_study:
    input:
        tables=expand("results/clean/studies/{{study}}/{kind}.csv", kind=CLEAN_TABLES),
        code=lib("audit/study.py", "audit/checks.py", "clean.py", "io.py"),
    output:
        audit="results/audit/{study}.csv",
    resources:
        mem_mb=512,
        runtime=5,
    log:
        "logs/audit_study/{study}.log",
    benchmark:
        "benchmarks/audit_study/{study}.tsv"
    conda:
        "../../envs/audit.yaml"
    script:
        "../scripts/audit_study.py"


rule audit_gather:
    input:
        audits=expand("results/audit/{study}.csv", study=STUDIES),
        code=lib("audit/summary.py", "io.py"),
    output:
        audit="results/audit/audit.csv",
        summary="results/audit/summary.csv",
    params:
        studies=STUDIES,
    resources:
        mem_mb=512,
        runtime=5,
    log:
        "logs/audit_gather/audit_gather.log",
    benchmark:
        "benchmarks/audit_gather/audit_gather.tsv"
    conda:
        "../../envs/audit.yaml"
    script:
        "../scripts/audit_gather.py"
