"""dream study."""


def dream_targets():
    return []


register_study_targets("dream", dream_targets)


rule all_dream:
    input:
        study_targets("dream"),
