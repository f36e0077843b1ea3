# Audit: every printed number of every paper recomputed and cross-checked (one job for
# all papers: a paper's audit takes a fraction of a second), with a per-paper summary;
# then the findings, grouped and classified by what a reader must act on.


rule audit:
    input:
        **{kind: f"results/clean/{kind}.csv" for kind in CLEAN_TABLES},
        code=code_of("audit.py"),
    output:
        studies=expand("results/audit/{study}.csv", study=STUDIES),
        audit=report(
            "results/audit/audit.csv",
            caption="../report/audit_table.rst",
            category="Tables",
            labels={"table": "audit checks"},
        ),
        summary="results/audit/summary.csv",
    log:
        "logs/audit/audit.log",
    benchmark:
        "benchmarks/audit/audit.tsv"
    conda:
        "../../envs/audit.yaml"
    resources:
        mem_mb=512,
        runtime=10,
    params:
        studies=STUDIES,
        ocr={study: STUDY_CONFIG[study]["ocr"] for study in STUDIES},
    script:
        "../scripts/audit.py"


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
