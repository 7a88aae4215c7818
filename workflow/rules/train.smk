rule train:
    input:
        poses_3d=f"{DATA}/h36m/poses_3d.parquet",
        poses_2d=poses_2d,
        tracking=TRACKING_FILE,
    output:
        "results/models/{model}-{source}/model.pt",
    params:
        settings=train_settings,
        state_every=config["training"].get("state_every", 5),
    log:
        "results/logs/train/{model}-{source}.log",
    benchmark:
        "results/benchmarks/train/{model}-{source}.tsv"
    threads: 1
    priority: train_priority
    resources:
        gpu=1 if config["training"]["device"] == "cuda" else 0,
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d train --settings {params.settings:q} --threads {threads} --tracking {input.tracking}"
        " --state-every {params.state_every}"
        " --poses-3d {input.poses_3d} --poses-2d {input.poses_2d}"
        " --out {output} > {log} 2>&1"
