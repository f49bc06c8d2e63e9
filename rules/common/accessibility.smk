"""Input functions and target lists of the accessibility study (functions only: `snakemake --lint`
forbids mixing functions and rules in one file)."""


def accessibility_targets():
    """Final targets of the study (figures and tables) that `all_accessibility` and `all` build."""
    return []


register_study_targets("accessibility", accessibility_targets)
