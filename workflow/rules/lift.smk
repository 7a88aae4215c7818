rule lift:
    input:
        checkpoint=lift_checkpoint,
        keypoints=lift_keypoints,
    output:
        parquet="results/lift/{name}/poses_3d.parquet",
        npz="results/lift/{name}/poses_3d.npz",
    params:
        options=lift_options,
        out=lambda wildcards, output: Path(output.parquet).parent,
    wildcard_constraints:
        name=lift_names(bvh=False),
    log:
        "results/logs/lift/{name}.log",
    benchmark:
        "results/benchmarks/lift/{name}.tsv"
    threads: 1
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d lift --checkpoint {input.checkpoint:q} --keypoints {input.keypoints:q} --out {params.out:q}"
        " --threads {threads} {params.options} > {log} 2>&1"


use rule lift as lift_bvh with:
    output:
        parquet="results/lift/{name}/poses_3d.parquet",
        npz="results/lift/{name}/poses_3d.npz",
        bvh=lift_bvh_path("{name}"),
    wildcard_constraints:
        name=lift_names(bvh=True),
