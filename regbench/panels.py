"""Where a figure panel's files live: the one naming convention of figures and their data tables.

A panel ``<panel>`` of study ``<study>`` is drawn to::

    results/figures/<study>/<study>_<panel>.pdf   (and .png, the report() output)
    results/<study>/panels/<panel>.tsv            (the data behind it: header + >= 1 row)

The figure's file name carries the study because Snakemake's HTML report turns every report()
output's *basename* into a reStructuredText link target of its front page, and reST target names
ignore case: two studies' panels with the same name in any case (accessibility ``ED1a`` and
personal ``ed1a``, both "Extended Data Fig. 1a" of their papers) made docutils print "System
Message: WARNING/2 ... Duplicate explicit target name" on the report. With the study in the name,
figure basenames are unique across studies by construction; :func:`basename_collisions` is the
check (used by tests/unit/test_panels.py on the demo and paper DAGs).

Standard library only: rules/common.smk imports it at parse time.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

FIGURE_DIR = "results/figures"
FIGURE_EXTS = ("pdf", "png")
_FIGURE = re.compile(r"^results/figures/(?P<study>[^/]+)/(?P=study)_(?P<panel>[^/]+)\.(?P<ext>pdf|png)$")


def figure_path(study: str, panel: str, ext: str = "pdf") -> str:
    """``results/figures/<study>/<study>_<panel>.<ext>`` (ext: pdf or png)."""
    if ext not in FIGURE_EXTS:
        raise ValueError(f"figure of {study}/{panel}: extension {ext!r}, expected one of {FIGURE_EXTS}")
    if not study or not panel or "/" in study or "/" in panel:
        raise ValueError(f"figure: study {study!r} and panel {panel!r} must be non-empty names without '/'")
    return f"{FIGURE_DIR}/{study}/{study}_{panel}.{ext}"


def figure_paths(study: str, panel: str) -> list[str]:
    """The pdf and png of one panel, in that order."""
    return [figure_path(study, panel, ext) for ext in FIGURE_EXTS]


def panel_table(study: str, panel: str) -> str:
    """The data table behind a figure panel: ``results/<study>/panels/<panel>.tsv``."""
    return f"results/{study}/panels/{panel}.tsv"


def parse_figure_path(path: str) -> tuple[str, str, str] | None:
    """``(study, panel, ext)`` of a path made by :func:`figure_path`, else None."""
    m = _FIGURE.match(path)
    return (m.group("study"), m.group("panel"), m.group("ext")) if m else None


def basename_collisions(paths: Iterable[str]) -> dict[str, list[str]]:
    """Groups of distinct paths whose basenames are equal ignoring case (as reST target names
    are), keyed by the lower-cased basename; empty when every basename is unique."""
    groups: dict[str, set[str]] = {}
    for p in paths:
        groups.setdefault(posixpath.basename(p).lower(), set()).add(p)
    return {name: sorted(ps) for name, ps in sorted(groups.items()) if len(ps) > 1}
