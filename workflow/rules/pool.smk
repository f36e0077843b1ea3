# Pooled analysis: per-study inputs of every outcome, then one job per outcome (so a
# reviewer can rerun the pooling of one outcome), then the gathered contract tables.


rule pool_inputs:
    input:
        tables=expand("results/clean/{kind}.csv", kind=GATHERED_TABLES),
        audit="results/audit/audit.csv",
        code=code_of("pool_inputs.py"),
    output:
        inputs="results/pooled/inputs.csv",
    log:
        "logs/pool_inputs/pool_inputs.log",
    benchmark:
        "benchmarks/pool_inputs/pool_inputs.tsv"
    conda:
        "../../envs/pool.yaml"
    resources:
        mem_mb=512,
        runtime=5,
    params:
        studies=STUDY_CONFIG,
        response_denominator=config["pooling"]["response_denominator"],
        ci_level=config["pooling"]["ci_level"],
        ae_terms=config["outcomes"]["ae_terms"],
    script:
        "../scripts/pool_inputs.py"


rule pool_outcome:
    input:
        inputs="results/pooled/inputs.csv",
        code=code_of("pool_outcome.py"),
    output:
        estimates="results/pooled/outcomes/{outcome}/estimates.csv",
        studies="results/pooled/outcomes/{outcome}/study_estimates.csv",
        tests="results/pooled/outcomes/{outcome}/subgroup_tests.csv",
    log:
        "logs/pool_outcome/{outcome}.log",
    benchmark:
        "benchmarks/pool_outcome/{outcome}.tsv"
    conda:
        "../../envs/pool.yaml"
    resources:
        mem_mb=512,
        runtime=3,
    params:
        methods=lambda wc: pooling_methods(wc.outcome),
        sensitivity=config["pooling"]["sensitivity_analyses"],
        ci_level=config["pooling"]["ci_level"],
        min_k_pi=config["pooling"]["min_k_prediction_interval"],
        nagq=config["pooling"]["proportions"]["glmm_quadrature_points"],
        pi_method=config["pooling"].get("prediction_interval", "metafor"),
    script:
        "../scripts/pool_outcome.py"


rule pool_gather:
    input:
        estimates=expand("results/pooled/outcomes/{outcome}/estimates.csv", outcome=OUTCOMES),
        studies=expand("results/pooled/outcomes/{outcome}/study_estimates.csv", outcome=OUTCOMES),
        tests=expand("results/pooled/outcomes/{outcome}/subgroup_tests.csv", outcome=OUTCOMES),
        code=code_of("pool_gather.py"),
    output:
        estimates=report(
            "results/pooled/estimates.csv",
            caption="../report/estimates.rst",
            category="Tables",
            labels={"table": "pooled estimates"},
        ),
        studies="results/pooled/study_estimates.csv",
        tests="results/pooled/subgroup_tests.csv",
    log:
        "logs/pool_gather/pool_gather.log",
    benchmark:
        "benchmarks/pool_gather/pool_gather.tsv"
    conda:
        "../../envs/pool.yaml"
    resources:
        mem_mb=256,
        runtime=5,
    script:
        "../scripts/pool_gather.py"
