"""synthetic_loci study."""


def synthetic_loci_targets():
    return []


register_study_targets("synthetic_loci", synthetic_loci_targets)


rule all_synthetic_loci:
    input:
        study_targets("synthetic_loci"),
