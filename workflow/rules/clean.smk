# Cleaning: validated raw tables -> results/clean/ (one job per study, then a gather).


rule clean_study:
    input:
        tables=lambda wc: raw_tables(wc.study),
        schemas=sorted(str(p) for p in (PACKAGE_DIR / "schemas").glob("*.yaml")),
        code=code_of("clean_study.py"),
    output:
        **{kind: f"results/clean/studies/{{study}}/{kind}.csv" for kind in CLEAN_TABLES},
    log:
        "logs/clean_study/{study}.log",
    benchmark:
        "benchmarks/clean_study/{study}.tsv"
    conda:
        "../../envs/clean.yaml"
    resources:
        mem_mb=256,
        runtime=5,
    params:
        ocr=lambda wc: STUDY_CONFIG[wc.study]["ocr"],
    script:
        "../scripts/clean_study.py"


rule clean_gather:
    input:
        tables=expand("results/clean/studies/{study}/{kind}.csv", study=STUDIES, kind=CLEAN_TABLES),
        code=code_of("clean_gather.py"),
    output:
        **{kind: f"results/clean/{kind}.csv" for kind in GATHERED_TABLES},
    log:
        "logs/clean_gather/clean_gather.log",
    benchmark:
        "benchmarks/clean_gather/clean_gather.tsv"
    conda:
        "../../envs/clean.yaml"
    resources:
        mem_mb=256,
        runtime=5,
    params:
        studies=STUDIES,
    script:
        "../scripts/clean_gather.py"
