"""GOPHER accessibility benchmark (Toneyan, Tang & Koo 2022), see specs/accessibility.md.

Modules (one concept each): ``metrics`` (evaluation formulas), ``datasets`` (window builders and
HDF5 storage), ``experiments`` (config-driven model grids and training), ``evaluate``
(whole-chromosome / per-sequence / binary evaluations), ``robustness`` (variation score),
``cagi`` (CAGI5 variant effects), ``gia`` (global importance analysis), ``filters`` (first-layer
filters -> PPMs -> Tomtom), ``panels`` (the figure panels, declared through the panel contract),
``collect`` (reading the collected tables, the plotted and supplementary tables), ``figures``
(drawing the panels).
"""
