"""Published values drawn as reference marks on the DREAM panels.

The published numbers live in one place, the study's claims (``claims.yaml``, list ``paper``;
:mod:`regbench.claims` turns them into ``results/dream/published_vs_ours.tsv``). A claim compared
``within`` a tolerance whose measure selects one model (``where: "model == '<m>'"``, optionally
``and task == '<t>'`` / ``and cell == '<c>'``) becomes a mark: the panel draws the published
value over that model's bar in the group named by the column (summary tables) or by the task /
cell (follow-up tables).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

CLAIMS = Path(__file__).with_name("claims.yaml")
_TERM = re.compile(r"^\s*(\w+)\s*==\s*'([^']*)'\s*$")
#: claims table -> the panel's table kind
TABLES = {"summary.tsv": "summary", "followups/drosophila.tsv": "drosophila", "followups/human.tsv": "human"}


def _where(expr: str) -> dict[str, str] | None:
    out = {}
    for term in (expr or "").split(" and "):
        m = _TERM.match(term)
        if not m:
            return None
        out[m.group(1)] = m.group(2)
    return out


def reference_marks(table: str, claims_path: str | Path = CLAIMS) -> list[dict]:
    """Marks for a panel of ``table`` (summary | drosophila | human): model, column (the bar
    group), value, label."""
    with open(claims_path) as fh:
        claims = (yaml.safe_load(fh) or {}).get("paper", [])
    marks = []
    for c in claims:
        ours = c.get("ours", {})
        if c.get("compare") != "within" or TABLES.get(ours.get("table")) != table:
            continue
        sel = _where(ours.get("where", ""))
        if not sel or "model" not in sel or not isinstance(c.get("published"), (int, float)):
            continue
        group = sel.get("task") or sel.get("cell") or ours.get("column")
        if group == "n_params":
            continue
        marks.append({"model": sel["model"], "column": group, "value": float(c["published"]), "label": c["statement"]})
    return marks
