# pose3d: raw Human3.6M (or the embedded demo) -> Parquet -> trained lifters -> per-action tables.
#
#   snakemake --cores 8 results/tables/mpjpe.csv

from snakemake.utils import min_version, validate

from pose3d.config.paths import check_paths, one_line_errors
from pose3d.config.schema import SCHEMA_PATH, validate_config

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


with one_line_errors():  # a bad value stops here with `pose3d: error: config: <key>: <problem>`, exit 2
    validate_config(config, "config")  # first: refuses YAML bombs, NaN, 2.0 for 2 and control characters
    validate(config, str(SCHEMA_PATH))  # the schema `pose3d --config` applies too; fills in its defaults
    check_paths(config)  # raw inputs and lift files exist, folder or file as needed (unless a rule makes them)


include: "workflow/rules/common.smk"
include: "workflow/rules/tracking.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/lift.smk"


localrules:
    all,
    data,
    tracking_store,
    tables,


onsuccess:
    close_interrupted_runs()


onerror:
    close_interrupted_runs()


rule all:
    input:
        table_outputs(),
        figure_outputs(),
    default_target: True
