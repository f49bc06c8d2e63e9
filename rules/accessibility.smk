"""accessibility study: rules only; input functions and target lists live in rules/common/accessibility.smk."""


rule all_accessibility:
    input:
        study_targets("accessibility"),
