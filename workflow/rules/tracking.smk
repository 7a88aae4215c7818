rule tracking_store:
    output:
        TRACKING_FILE,
    params:
        uri=config["mlflow"]["tracking_uri"],
        experiment=config["mlflow"]["experiment"],
    log:
        "results/logs/tracking_store.log",
    benchmark:
        "results/benchmarks/tracking_store.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d tracking init --tracking-uri {params.uri:q} --experiment {params.experiment:q}"
        " --out {output} > {log} 2>&1"
