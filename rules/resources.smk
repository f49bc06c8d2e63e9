"""Downloads of real inputs (config/paper.yaml). Plain rules, not storage plugins, so that
dry-runs work offline. Every file lands under resources/downloads/<relpath> atomically and is
checked against the md5/sha256 given in config (rules/common.smk: all_downloads)."""


rule download:
    output:
        "resources/downloads/{relpath}",
    log:
        "logs/download/{relpath}.log",
    benchmark:
        "benchmarks/rules/download/{relpath}.tsv"
    wildcard_constraints:
        relpath=downloads_regex(),
    retries: 2
    localrule: True
    conda:
        "../envs/download.yaml"
    params:
        spec=download_spec,
    script:
        "../scripts/download.py"
