"""personal study: rules only; input functions and target lists live in rules/common/personal.smk."""


rule all_personal:
    input:
        study_targets("personal"),
