"""synthetic_loci study: rules only; input functions and target lists live in rules/common/synthetic_loci.smk."""


rule all_synthetic_loci:
    input:
        study_targets("synthetic_loci"),
