"""Input functions and target lists of the synthetic_loci study (functions only: `snakemake --lint`
forbids mixing functions and rules in one file)."""


def synthetic_loci_targets():
    """Final targets of the study (figures and tables) that `all_synthetic_loci` and `all` build."""
    return []


register_study_targets("synthetic_loci", synthetic_loci_targets)
