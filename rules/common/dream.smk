"""Input functions and target lists of the dream study (functions only: `snakemake --lint`
forbids mixing functions and rules in one file)."""


def dream_targets():
    """Final targets of the study (figures and tables) that `all_dream` and `all` build."""
    return []


register_study_targets("dream", dream_targets)
