"""Report assembly: every figure is a report() output of its study module. This module adds the
published-vs-ours table of each study (regbench.claims: the claims declared in
regbench/studies/<study>/claims.yaml, the `paper` list on a real configuration, the `demo` list
on the demo world) and the report's front page, which shows those tables before any panel."""


rule published_vs_ours:
    input:
        claims_inputs,
    output:
        report(
            "results/{study}/published_vs_ours.tsv",
            caption="../report/published_vs_ours.rst",
            category="Did it reproduce?",
            labels=claims_label,
        ),
    log:
        "logs/{study}/published_vs_ours.log",
    benchmark:
        "benchmarks/rules/{study}/published_vs_ours.tsv"
    localrule: True
    conda:
        "../envs/regbench.yaml"
    params:
        claims=claims_file,
        which=CLAIMS_WHICH,
        config=claims_config,
    script:
        "../scripts/published_vs_ours.py"


rule report_front_page:
    input:
        expand(
            "results/{study}/published_vs_ours.tsv", study=[s for s in STUDIES if study_enabled(s)]
        ),
    output:
        REPORT_FRONT,
    log:
        "logs/report/front_page.log",
    benchmark:
        "benchmarks/rules/report/front_page.tsv"
    localrule: True
    conda:
        "../envs/regbench.yaml"
    params:
        intro=str(Path(workflow.basedir) / "report" / "workflow.rst"),  # absolute: runs with --directory too
    script:
        "../scripts/report_front_page.py"
