"""Input functions and target lists of the personal study (functions only: `snakemake --lint`
forbids mixing functions and rules in one file)."""


def personal_targets():
    """Final targets of the study (figures and tables) that `all_personal` and `all` build."""
    return []


register_study_targets("personal", personal_targets)
