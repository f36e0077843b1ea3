# Pooled analysis: what each study contributes to each outcome, and every outcome pooled
# (all subgroups, analyses and methods) in one job: pooling an outcome takes
# milliseconds, far less than starting a job.


rule pool:
    input:
        **{kind: f"results/clean/{kind}.csv" for kind in GATHERED_TABLES},
        audit="results/audit/audit.csv",
        code=code_of("pool.py"),
    output:
        inputs="results/pooled/inputs.csv",
        estimates=report(
            "results/pooled/estimates.csv",
            caption="../report/estimates.rst",
            category="Tables",
            labels={"table": "pooled estimates"},
        ),
        studies="results/pooled/study_estimates.csv",
        tests="results/pooled/subgroup_tests.csv",
    log:
        "logs/pool/pool.log",
    benchmark:
        "benchmarks/pool/pool.tsv"
    conda:
        "../../envs/pool.yaml"
    threads: PIECEWISE_THREADS
    resources:
        mem_mb=512,
        runtime=10,
    params:
        studies=STUDY_CONFIG,
        outcomes=OUTCOMES,
        methods={outcome: pooling_methods(outcome) for outcome in OUTCOMES},
        response_denominator=config["pooling"]["response_denominator"],
        ae_terms=config["outcomes"]["ae_terms"],
        sensitivity=config["pooling"]["sensitivity_analyses"],
        ci_level=config["pooling"]["ci_level"],
        min_k_pi=config["pooling"]["min_k_prediction_interval"],
        nagq=config["pooling"]["proportions"]["glmm_quadrature_points"],
        pi_method=config["pooling"].get("prediction_interval", "metafor"),
    script:
        "../scripts/pool.py"
