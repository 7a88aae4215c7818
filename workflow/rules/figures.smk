wildcard_constraints:
    subject=r"S\d+",
    camera=r"\d{8}",
    ext="gif|mp4",


rule figures:
    input:
        metrics="results/tables/metrics.parquet",
        checkpoints=expand("results/models/{run}/model.pt", run=runs()),
        tracking=TRACKING_FILE,
    output:
        per_action=report("results/figures/mpjpe_per_action.png", caption="../report/per_action.rst", category="Figures"),
        per_joint=report("results/figures/mpjpe_per_joint.png", caption="../report/per_joint.rst", category="Figures"),
        training=report("results/figures/training_curves.png", caption="../report/training.rst", category="Figures"),
    log:
        "results/logs/figures.log",
    benchmark:
        "results/benchmarks/figures.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d figures --metrics {input.metrics} --checkpoints {input.checkpoints} --tracking {input.tracking}"
        " --per-action {output.per_action} --per-joint {output.per_joint} --training {output.training} > {log} 2>&1"


rule error_over_time:
    input:
        checkpoints=expand("results/models/{run}/model.pt", run=runs()),
        poses_2d=[f"{DATA}/h36m/poses_2d_{run.rpartition('-')[2]}.parquet" for run in runs()],
        poses_3d=f"{DATA}/h36m/poses_3d.parquet",
        tracking=TRACKING_FILE,
    output:
        report("results/figures/error_over_time.png", caption="../report/error_over_time.rst", category="Figures"),
    params:
        viz=config["visualization"],
    log:
        "results/logs/error_over_time.log",
    benchmark:
        "results/benchmarks/error_over_time.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d viz error-over-time --checkpoints {input.checkpoints} --poses-2d {input.poses_2d}"
        " --poses-3d {input.poses_3d} --subject {params.viz[subject]:q} --sequence {params.viz[sequence]:q}"
        " --camera {params.viz[camera]} --tracking {input.tracking} --out {output} > {log} 2>&1"


rule animate:
    input:
        checkpoint="results/models/{model}-{source}/model.pt",
        poses_3d=f"{DATA}/h36m/poses_3d.parquet",
        poses_2d=poses_2d,
        tracking=TRACKING_FILE,
    output:
        "results/figures/{model}-{source}/{subject}_{sequence}_{camera}.{ext}",
    params:
        viz=config["visualization"],
    log:
        "results/logs/animate/{model}-{source}_{subject}_{sequence}_{camera}.{ext}.log",
    benchmark:
        "results/benchmarks/animate/{model}-{source}_{subject}_{sequence}_{camera}.{ext}.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d viz animate --checkpoint {input.checkpoint} --poses-3d {input.poses_3d} --poses-2d {input.poses_2d}"
        " --subject {wildcards.subject} --sequence {wildcards.sequence:q} --camera {wildcards.camera}"
        " --start {params.viz[start]} --frames {params.viz[frames]} --downsample {params.viz[downsample]}"
        " --fps {params.viz[fps]} --size {params.viz[size]} --bitrate {params.viz[bitrate]}"
        " --tracking {input.tracking} --out {output} > {log} 2>&1"


rule animation_page:
    input:
        "results/figures/{model}-{source}/{subject}_{sequence}_{camera}.gif",
    output:
        report(
            "results/figures/{model}-{source}/{subject}_{sequence}_{camera}.html",
            caption="../report/animation.rst",
            category="Animations",
            subcategory="{model}-{source}",
        ),
    log:
        "results/logs/animate/{model}-{source}_{subject}_{sequence}_{camera}.html.log",
    benchmark:
        "results/benchmarks/animate/{model}-{source}_{subject}_{sequence}_{camera}.html.tsv"
    conda:
        "../../envs/pose3d.yaml"
    shell:
        "pose3d viz page --animation {input} --out {output}"
        " --title '{wildcards.model}-{wildcards.source}: {wildcards.subject} {wildcards.sequence}, camera {wildcards.camera}'"
        " > {log} 2>&1"
