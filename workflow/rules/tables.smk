rule tables:
    input:
        expand("results/eval/{run}/metrics.parquet", run=runs()),
        expand("results/eval/mean_pose-{input}/metrics.parquet", input=config["inputs"]),
    output:
        report("results/tables/mpjpe.csv", caption="../report/mpjpe.rst", category="Tables"),
        report("results/tables/p_mpjpe.csv", caption="../report/p_mpjpe.rst", category="Tables"),
        report("results/tables/3dhp.csv", caption="../report/3dhp.rst", category="Tables"),
        report("results/tables/3dpw.csv", caption="../report/3dpw.rst", category="Tables"),
        "results/tables/metrics.parquet",
        "results/tables/tables.md",
    params:
        columns=runs() + [f"mean_pose-{inp}" for inp in config["inputs"]],
        out_dir=lambda wildcards, output: Path(output[0]).parent,
    log:
        "results/logs/tables.log",
    benchmark:
        "results/benchmarks/tables.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d tables --metrics {input} --columns {params.columns} --out-dir {params.out_dir} > {log} 2>&1"


rule figures:
    input:
        metrics="results/tables/metrics.parquet",
        checkpoints=expand("results/models/{run}/model.pt", run=runs()),
    output:
        per_action=report("results/figures/mpjpe_per_action.png", caption="../report/per_action.rst", category="Figures"),
        training=report("results/figures/training_curves.png", caption="../report/training.rst", category="Figures"),
    log:
        "results/logs/figures.log",
    benchmark:
        "results/benchmarks/figures.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d figures --metrics {input.metrics} --checkpoints {input.checkpoints}"
        " --per-action {output.per_action} --training {output.training} > {log} 2>&1"
