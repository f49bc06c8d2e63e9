"""Downloads of real inputs (config/paper.yaml). Plain rules, not storage plugins, so that
dry-runs work offline. Every file lands under resources/downloads/<relpath> atomically and is
checked against the md5/sha256 given in config."""


def all_downloads():
    """relpath -> {url, md5|sha256} from config['downloads'] and every study's downloads."""
    table = dict(config.get("downloads", {}))
    for study in STUDIES:
        table.update(config[study].get("downloads", {}))
    return table


DOWNLOADS = all_downloads()


wildcard_constraints:
    relpath="|".join(re.escape(p) for p in DOWNLOADS) if DOWNLOADS else "(?!x)x",


def download_spec(wildcards):
    return DOWNLOADS[wildcards.relpath]


rule download:
    output:
        "resources/downloads/{relpath}",
    log:
        "logs/download/{relpath}.log",
    params:
        spec=download_spec,
    retries: 2
    localrule: True
    conda:
        "../envs/download.yaml"
    script:
        "../scripts/download.py"
