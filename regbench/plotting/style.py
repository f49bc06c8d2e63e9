"""Shared figure style, the "no data" axes and the one figure writer (pdf + png, atomic)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from regbench.workflow import atomic_path  # noqa: E402

STUDY_COLORS = {
    "accessibility": "#1b9e77",
    "personal": "#d95f02",
    "synthetic_loci": "#7570b3",
    "dream": "#e7298a",
}


def apply_style() -> None:
    """rcParams used by every panel: small fonts, no top/right spines, 300-dpi png."""
    plt.rcParams.update(
        {
            "font.size": 8,
            "axes.titlesize": 9,
            "axes.labelsize": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "pdf.fonttype": 42,
            "svg.hashsalt": "regbench",
        }
    )


def new_figure(width: float = 3.5, height: float = 3.0, **kw):
    apply_style()
    return plt.subplots(figsize=(width, height), **kw)


def no_data(ax, msg: str = "no data", axis_off: bool = False) -> None:
    """Write ``msg`` in the middle of an axes that has nothing to draw (optionally hiding it)."""
    ax.text(0.5, 0.5, msg, ha="center", va="center", transform=ax.transAxes)
    if axis_off:
        ax.set_axis_off()


def save_figure(fig, *paths: str | os.PathLike) -> None:
    """Write ``fig`` to every path (format from the suffix), each atomically, then close it.

    PDFs carry no creation date so two runs give identical files.
    """
    for p in paths:
        p = Path(p)
        with atomic_path(p) as tmp:
            meta = {"CreationDate": None} if p.suffix == ".pdf" else {}
            fig.savefig(tmp, format=p.suffix.lstrip("."), bbox_inches="tight", metadata=meta)
    plt.close(fig)
