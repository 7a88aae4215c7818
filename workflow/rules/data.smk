rule demo_data:
    output:
        h36m=directory(f"{DEMO_DIR}/h36m"),
        cpn=f"{DEMO_DIR}/data_2d_h36m_cpn_ft_h36m_dbb.npz",
        coco=f"{DEMO_DIR}/data_2d_h36m_detectron_pt_coco.npz",
        hp3d=f"{DEMO_DIR}/data_test_3dhp.npz",
        pw3d=f"{DEMO_DIR}/pw3d_test.pkl",
    params:
        out=lambda wildcards, output: Path(output.cpn).parent,
        size=config["demo"]["size"],
        seed=config["seed"],
    log:
        "results/logs/demo_data.log",
    benchmark:
        "results/benchmarks/demo_data.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d demo-data --out {params.out} --size {params.size} --seed {params.seed} > {log} 2>&1"


rule convert_h36m_positions:
    input:
        config["data"]["h36m"],
    output:
        f"{DATA}/h36m/poses_3d.parquet",
    params:
        subjects=all_subjects(),
    log:
        "results/logs/convert/h36m_positions.log",
    benchmark:
        "results/benchmarks/convert/h36m_positions.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d convert h36m --root {input:q} --subjects {params.subjects} --out {output} > {log} 2>&1"


rule convert_h36m_angles:
    input:
        config["data"]["h36m"],
    output:
        f"{DATA}/h36m/angles_3d.parquet",
    params:
        subjects=all_subjects(),
    log:
        "results/logs/convert/h36m_angles.log",
    benchmark:
        "results/benchmarks/convert/h36m_angles.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d convert angles --root {input:q} --subjects {params.subjects} --out {output} > {log} 2>&1"


rule project_gt_2d:
    input:
        f"{DATA}/h36m/poses_3d.parquet",
    output:
        f"{DATA}/h36m/poses_2d_gt.parquet",
    log:
        "results/logs/convert/gt_2d.log",
    benchmark:
        "results/benchmarks/convert/gt_2d.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d convert gt2d --poses-3d {input} --out {output} > {log} 2>&1"


rule convert_detections:
    input:
        npz=raw_input("{detections}"),
        poses_3d=f"{DATA}/h36m/poses_3d.parquet",
    output:
        f"{DATA}/h36m/poses_2d_{{detections}}.parquet",
    wildcard_constraints:
        detections="cpn|coco",
    log:
        "results/logs/convert/{detections}.log",
    benchmark:
        "results/benchmarks/convert/{detections}.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d convert detections --name {wildcards.detections} --npz {input.npz:q} --poses-3d {input.poses_3d}"
        " --out {output} > {log} 2>&1"


rule convert_sh:
    input:
        root=raw_input("sh"),
        poses_3d=f"{DATA}/h36m/poses_3d.parquet",
    output:
        f"{DATA}/h36m/poses_2d_sh.parquet",
    log:
        "results/logs/convert/sh.log",
    benchmark:
        "results/benchmarks/convert/sh.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d convert sh --root {input.root:q} --poses-3d {input.poses_3d} --out {output} > {log} 2>&1"


rule convert_3dhp:
    input:
        raw_input("3dhp"),
    output:
        f"{DATA}/3dhp/test.parquet",
    log:
        "results/logs/convert/3dhp.log",
    benchmark:
        "results/benchmarks/convert/3dhp.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d convert 3dhp --npz {input:q} --out {output} > {log} 2>&1"


rule convert_3dpw:
    input:
        raw_input("3dpw"),
    output:
        f"{DATA}/3dpw/test.parquet",
    log:
        "results/logs/convert/3dpw.log",
    benchmark:
        "results/benchmarks/convert/3dpw.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d convert 3dpw --pkl {input:q} --out {output} > {log} 2>&1"


rule data:
    input:
        data_outputs(),
