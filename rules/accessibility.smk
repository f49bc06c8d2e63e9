"""accessibility study."""


def accessibility_targets():
    return []


register_study_targets("accessibility", accessibility_targets)


rule all_accessibility:
    input:
        study_targets("accessibility"),
