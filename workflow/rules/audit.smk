# Audit: every printed number of one paper recomputed and cross-checked (one job per
# paper, so a reviewer can rerun one), then gathered with a per-paper summary.


rule audit_study:
    input:
        tables=expand("results/clean/studies/{{study}}/{kind}.csv", kind=CLEAN_TABLES),
        code=code_of("audit_study.py"),
    output:
        audit="results/audit/{study}.csv",
    log:
        "logs/audit_study/{study}.log",
    benchmark:
        "benchmarks/audit_study/{study}.tsv"
    conda:
        "../../envs/audit.yaml"
    resources:
        mem_mb=512,
        runtime=5,
    params:
        ocr=lambda wc: STUDY_CONFIG[wc.study]["ocr"],
    script:
        "../scripts/audit_study.py"


rule audit_gather:
    input:
        audits=expand("results/audit/{study}.csv", study=STUDIES),
        code=code_of("audit_gather.py"),
    output:
        audit=report(
            "results/audit/audit.csv",
            caption="../report/audit_table.rst",
            category="Tables",
            labels={"table": "audit checks"},
        ),
        summary="results/audit/summary.csv",
    log:
        "logs/audit_gather/audit_gather.log",
    benchmark:
        "benchmarks/audit_gather/audit_gather.tsv"
    conda:
        "../../envs/audit.yaml"
    resources:
        mem_mb=512,
        runtime=5,
    params:
        studies=STUDIES,
    script:
        "../scripts/audit_gather.py"


rule audit_findings:
    input:
        audit="results/audit/audit.csv",
        inputs="results/pooled/inputs.csv",
        code=code_of("audit_findings.py"),
    output:
        findings=report(
            "results/audit/findings.csv",
            caption="../report/audit_findings.rst",
            category="Tables",
            labels={"table": "audit findings"},
        ),
        summary="results/audit/findings_summary.csv",
    log:
        "logs/audit_findings/audit_findings.log",
    benchmark:
        "benchmarks/audit_findings/audit_findings.tsv"
    conda:
        "../../envs/audit.yaml"
    resources:
        mem_mb=512,
        runtime=5,
    params:
        studies=STUDIES,
    script:
        "../scripts/audit_findings.py"
