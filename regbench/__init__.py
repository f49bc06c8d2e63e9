"""regbench: reproduce benchmark papers of sequence-to-function models end to end.

Subpackages by stage: ``genome`` (sequences, tracks, variants, haplotypes), ``data`` (downloads,
demo world), ``models`` (architectures, registry), ``train`` (losses, augmentations, trainer),
``predict`` (inference engine, Enformer, attribution), ``metrics``, ``studies.<study>``,
``plotting``, ``leaderboard``.
"""

__version__ = "0.1.0"
