rule tables:
    input:
        expand("results/eval/{run}/metrics.parquet", run=runs()),
        expand("results/eval/mean_pose-{source}/metrics.parquet", source=config["inputs"]),
    output:
        "results/tables/mpjpe.csv",
        "results/tables/p_mpjpe.csv",
        "results/tables/3dhp.csv",
        "results/tables/3dpw.csv",
        "results/tables/metrics.parquet",
        "results/tables/tables.md",
        report("results/tables/mpjpe.html", caption="../report/mpjpe.rst", category="Tables"),
        report("results/tables/p_mpjpe.html", caption="../report/p_mpjpe.rst", category="Tables"),
        report("results/tables/3dhp.html", caption="../report/3dhp.rst", category="Tables"),
        report("results/tables/3dpw.html", caption="../report/3dpw.rst", category="Tables"),
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
