"""Rafi et al. 2024 (Random Promoter DREAM Challenge): data formats, team preprocessing recipes,
Prix Fixe blocks, the top-3 models, the official scorer and the follow-up benchmarks.

The scorer is importable as ``regbench.studies.dream.score`` (see :mod:`.scoring`).
"""

from regbench.studies.dream.scoring import DreamScore, score

__all__ = ["DreamScore", "score"]
