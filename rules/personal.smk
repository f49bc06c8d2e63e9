"""personal study."""


def personal_targets():
    return []


register_study_targets("personal", personal_targets)


rule all_personal:
    input:
        study_targets("personal"),
