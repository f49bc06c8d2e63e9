import os

from snakemake.utils import min_version

min_version("9.0")


# The demo world is the default; a --configfile (e.g. config/paper.yaml) replaces it as a whole
# rather than being merged over it, so no demo value leaks into a real run. Override single keys
# with --config.
if not workflow.config_settings.configfiles:

    configfile: "config/config.yaml"


# The report's front page: the intro of report/workflow.rst followed by the four
# published-vs-ours tables (rule report_front_page), once `all` has written it.
_front_page = os.path.abspath("results/report/front_page.rst")


report: _front_page if os.path.exists(_front_page) else "report/workflow.rst"


include: "rules/common.smk"
# the leaderboard's model cards first: qualified cards are models of the studies' own rules
include: "rules/common/leaderboard.smk"
include: "rules/common/accessibility.smk"
include: "rules/common/personal.smk"
include: "rules/common/synthetic_loci.smk"
include: "rules/common/dream.smk"
include: "rules/resources.smk"
include: "rules/demo.smk"
include: "rules/shared.smk"
include: "rules/accessibility.smk"
include: "rules/personal.smk"
include: "rules/synthetic_loci.smk"
include: "rules/dream.smk"
include: "rules/panels.smk"
include: "rules/report.smk"
include: "rules/leaderboard.smk"


wildcard_constraints:
    study="|".join(STUDIES),


rule all:
    default_target: True
    input:
        all_study_targets(),
        downloads_targets(),
        leaderboard_targets(),
