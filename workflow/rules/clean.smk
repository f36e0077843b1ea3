# Cleaning: validated raw tables of every study -> results/clean/ (one job: cleaning a
# study takes milliseconds, far less than starting a job).


rule clean:
    input:
        tables=[path for study in STUDIES for path in raw_tables(study)],
        schemas=sorted(str(p) for p in (PACKAGE_DIR / "schemas").glob("*.yaml")),
        code=code_of("clean.py"),
    output:
        **{kind: f"results/clean/{kind}.csv" for kind in GATHERED_TABLES},
    log:
        "logs/clean/clean.log",
    benchmark:
        "benchmarks/clean/clean.tsv"
    conda:
        "../../envs/clean.yaml"
    resources:
        mem_mb=512,
        runtime=10,
    params:
        studies=STUDIES,
        ocr={study: STUDY_CONFIG[study]["ocr"] for study in STUDIES},
        validation=RAW_VALIDATION,
    script:
        "../scripts/clean.py"
