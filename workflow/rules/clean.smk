# Cleaning: validated raw tables -> results/clean/ (one job per study, then a gather).


rule clean_study:
    input:
        tables=lambda wc: raw_tables(wc.study),
        schemas=lambda wc: sorted(str(p) for p in (LIB_DIR.parent / "schemas" / "raw").glob("*.yaml")),
        code=lib("clean.py", "ocr.py", "validate.py", "io.py"),
    output:
        **{kind: f"results/clean/studies/{{study}}/{kind}.csv" for kind in CLEAN_TABLES},
    params:
        ocr=lambda wc: config["studies"][wc.study]["ocr"],
    resources:
        mem_mb=256,
        runtime=5,
    log:
        "logs/clean_study/{study}.log",
    benchmark:
        "benchmarks/clean_study/{study}.tsv"
    conda:
        "../../envs/clean.yaml"
    script:
        "../scripts/clean_study.py"


rule clean_gather:
    input:
        tables=expand("results/clean/studies/{study}/{kind}.csv", study=STUDIES, kind=CLEAN_TABLES),
        code=lib("clean.py", "io.py"),
    output:
        **{kind: f"results/clean/{kind}.csv" for kind in GATHERED_TABLES},
    params:
        studies=STUDIES,
    resources:
        mem_mb=256,
        runtime=5,
    log:
        "logs/clean_gather/clean_gather.log",
    benchmark:
        "benchmarks/clean_gather/clean_gather.tsv"
    conda:
        "../../envs/clean.yaml"
    script:
        "../scripts/clean_gather.py"
