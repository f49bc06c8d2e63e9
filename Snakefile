from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/resources.smk"
include: "rules/demo.smk"
include: "rules/shared.smk"
include: "rules/accessibility.smk"
include: "rules/personal.smk"
include: "rules/synthetic_loci.smk"
include: "rules/dream.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        all_study_targets(),
