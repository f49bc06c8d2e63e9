"""Sasse et al. 2023: Enformer on personal genomes (per-gene R, null, PrediXcan, drivers).

The statistical steps are plain functions over pandas tables (no model needed):
``gene_significance``, ``predixcan_comparison``, ``driver_support``. They are loaded on first
use, so that the workflow's parse-time import of :mod:`.plan` stays free of pandas and scipy.
"""

_EXPORTS = {
    "gene_significance": "regbench.studies.personal.significance",
    "predixcan_comparison": "regbench.studies.personal.predixcan",
    "driver_support": "regbench.studies.personal.drivers",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
