"""dream study: rules only; input functions and target lists live in rules/common/dream.smk."""


rule all_dream:
    input:
        study_targets("dream"),
