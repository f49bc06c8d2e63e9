"""Downloads of real inputs (config/paper.yaml). Plain rules, not storage plugins, so that
dry-runs work offline. Every file lands under resources/downloads/<relpath> atomically and is
checked against a checksum that does not come from its own bytes: pinned in config or the
publisher's (regbench/data/checksums.py; an entry without one fails at parse time unless it says
verify: false). results/downloads/checksums.tsv lists each file's checksum source and
unverified.tsv the verify: false files; both are in the report."""


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


rule unzip_genome:
    input:
        "resources/downloads/genomes/{genome}.fa.gz",
    output:
        fa="resources/genomes/{genome}.fa",
        fai="resources/genomes/{genome}.fa.fai",
    log:
        "logs/genomes/unzip_{genome}.log",
    benchmark:
        "benchmarks/rules/genomes/unzip_{genome}.tsv"
    wildcard_constraints:
        genome="hg38|hg19|mm10",
    conda:
        "../envs/regbench.yaml"
    shell:
        "(gzip -dc {input} > {output.fa}.tmp && mv {output.fa}.tmp {output.fa}"
        " && samtools faidx {output.fa}) > {log} 2>&1"


rule downloads_checksums:
    output:
        table=report(
            "results/downloads/checksums.tsv",
            caption="../report/downloads/checksums.rst",
            category="downloads",
            labels={"figure": "Data", "panel": "checksum sources"},
        ),
        unverified=report(
            "results/downloads/unverified.tsv",
            caption="../report/downloads/unverified.rst",
            category="downloads",
            labels={"figure": "Data", "panel": "unverified downloads"},
        ),
    log:
        "logs/downloads/checksums.log",
    benchmark:
        "benchmarks/rules/downloads/checksums.tsv"
    localrule: True
    conda:
        "../envs/download.yaml"
    params:
        downloads=DOWNLOADS,
    script:
        "../scripts/downloads_checksums.py"
