rule evaluate:
    input:
        checkpoint="results/models/{model}-{source}/model.pt",
        poses_3d=f"{DATA}/h36m/poses_3d.parquet",
        poses_2d=poses_2d,
        tracking=TRACKING_FILE,
        hp3d=cross_dataset("3dhp", "3dhp"),
        pw3d=cross_dataset("3dpw", "3dpw"),
    output:
        "results/eval/{model}-{source}/metrics.parquet",
    params:
        settings=run_settings,
    log:
        "results/logs/evaluate/{model}-{source}.log",
    benchmark:
        "results/benchmarks/evaluate/{model}-{source}.tsv"
    threads: 1
    resources:
        gpu=1 if config["training"]["device"] == "cuda" else 0,
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d evaluate --settings {params.settings:q} --threads {threads} --tracking {input.tracking}"
        " --checkpoint {input.checkpoint}"
        " --poses-3d {input.poses_3d} --poses-2d {input.poses_2d}"
        " --hp3d '{input.hp3d}' --pw3d '{input.pw3d}' --out {output} > {log} 2>&1"


rule baseline:
    input:
        poses_3d=f"{DATA}/h36m/poses_3d.parquet",
        poses_2d=poses_2d,
    output:
        "results/eval/mean_pose-{source}/metrics.parquet",
    params:
        train=config["data"]["train_subjects"],
        test=config["data"]["test_subjects"],
    log:
        "results/logs/evaluate/mean_pose-{source}.log",
    benchmark:
        "results/benchmarks/evaluate/mean_pose-{source}.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d baseline --input {wildcards.source} --poses-3d {input.poses_3d} --poses-2d {input.poses_2d}"
        " --train-subjects {params.train} --test-subjects {params.test} --out {output} > {log} 2>&1"
