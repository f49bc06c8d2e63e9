"""Rafi et al. 2024 (Random Promoter DREAM Challenge): data formats, team preprocessing recipes,
Prix Fixe blocks, the top-3 models, the official scorer and the follow-up benchmarks.

The scorer is importable as ``regbench.studies.dream.score`` (see :mod:`.scoring`); it is loaded
on first use, so that the workflow's parse-time imports of this package
(:mod:`.subsets`) stay free of pandas and scipy.
"""

__all__ = ["DreamScore", "score"]


def __getattr__(name: str):
    if name in __all__:
        from regbench.studies.dream import scoring

        return getattr(scoring, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
