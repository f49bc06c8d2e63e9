"""The DREAM study's figure panels, declared through the panel contract (:mod:`regbench.panels`).
Draw functions: :mod:`.figures`.

Standard library only: rules/common/dream.smk imports it at parse time.
"""

from __future__ import annotations

from regbench.panels import Panel

DREAM_RES = "results/dream"
_DRAW = "regbench.studies.dream.figures"


def followup_table(followup: str) -> str:
    """All models' rows of one follow-up (``drosophila`` or ``human``), rule dream_followup_table."""
    return f"{DREAM_RES}/followups/{followup}.tsv"


def panels(models: list[str], has_labels: bool, prixfixe: bool, drosophila: bool, human: bool) -> list[Panel]:
    """The panels the configuration builds: the score panels when test labels exist
    (``has_labels``), the Prix Fixe heatmaps when the grid runs, the follow-ups when they run.
    ``models``: the named models the score panels show."""
    out = []
    if has_labels:
        out += [
            Panel("dream", "subset_performance", "Fig. 2", {"scores": f"{DREAM_RES}/scores.tsv"},
                  f"{_DRAW}:subset_performance", {"models": list(models)}),
            Panel("dream", "leaderboard_scores", "Fig. 1", {"summary": f"{DREAM_RES}/summary.tsv"},
                  f"{_DRAW}:leaderboard_scores", {"models": list(models)}),
        ]
        if prixfixe:
            out += [Panel("dream", f"prixfixe_{v}", "Fig. 4", {"grid": f"{DREAM_RES}/prixfixe_grid.tsv"},
                          f"{_DRAW}:prixfixe_heatmap", {"value": f"{v}_score"}) for v in ("pearson", "spearman")]
    if drosophila:
        out.append(Panel("dream", "drosophila", "Fig. 3a", {"drosophila": followup_table("drosophila")},
                         f"{_DRAW}:drosophila_panel"))
    if human:
        out.append(Panel("dream", "human", "Fig. 3b", {"human": followup_table("human")}, f"{_DRAW}:human_panel"))
    return out
