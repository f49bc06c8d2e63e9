"""Sasse et al. 2023: Enformer on personal genomes (per-gene R, null, PrediXcan, drivers).

The statistical steps are plain functions over pandas tables (no model needed):
``gene_significance``, ``predixcan_comparison``, ``driver_support``.
"""

from regbench.studies.personal.drivers import driver_support
from regbench.studies.personal.predixcan import predixcan_comparison
from regbench.studies.personal.significance import gene_significance

__all__ = ["gene_significance", "predixcan_comparison", "driver_support"]
