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

The panel contract (issue 21): a study declares each panel once, as a :class:`Panel` (name, the
paper figure it reproduces, the tables it reads by name, the config subset it uses, and a draw
function named ``"module:function"``), in a ``panels(cfg)`` function of its own
``regbench/studies/<study>/panels.py``. One rule loop (rules/panels.smk) turns the declarations
into one rule per panel, and one adapter (scripts/panel.py) runs any panel through
:func:`draw_panel`. A draw function has the signature::

    draw(tables: dict[str, DataFrame | dict[str, DataFrame]], cfg: dict, pdf: str, png: str) -> DataFrame

(``tables``: each declared single table read as a DataFrame, each declared group as
``{key: DataFrame}``, keyed by file stem or by the keys the declaration gives; ``cfg``: the
declared subset) and returns the rows it drew, which :func:`draw_panel` writes as the panel's
data table (floats as ``Panel.float_format``). ``Panel.runtime`` (minutes, times the attempt)
is the job's runtime request when the study has a work count for it; else the profile's default.

Standard library only at import: rules/common.smk imports it at parse time (pandas and the draw
function are imported inside :func:`draw_panel`, in the job).
"""

from __future__ import annotations

import importlib
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Panel:
    """One figure panel of a study, declared once (module docstring: the panel contract).

    ``tables``: input name -> one TSV path, a tuple of paths read as a group keyed by file stem
    (``{stem: DataFrame}``), or a mapping key -> path read as a group with those keys (files
    whose stems repeat, e.g. one evaluation's table of several experiments); ``draw``:
    ``"module:function"``; ``config``: the only config values the draw function sees (the rule's
    params, so editing anything else does not rerun the panel); ``rule``: the rule's name, by
    default ``<study>_panel_<name>``; ``float_format``: of the data table's floats (None: full
    precision); ``runtime``: minutes requested per attempt (0: the profile's default)."""

    study: str
    name: str
    figure: str
    tables: Mapping[str, str | tuple[str, ...] | Mapping[str, str]]
    draw: str
    config: Mapping = field(default_factory=dict)
    rule: str = ""
    float_format: str | None = "%.6g"
    runtime: int = 0

    def __post_init__(self):
        figure_path(self.study, self.name)  # validates the names
        if ":" not in self.draw:
            raise ValueError(f"panel {self.study}/{self.name}: draw {self.draw!r} must be 'module:function'")
        if not self.tables:
            raise ValueError(f"panel {self.study}/{self.name}: declares no tables to read")
        for key, paths in self.tables.items():
            keys_ok = not isinstance(paths, Mapping) or all(isinstance(k, str) and k for k in paths)
            if not key.isidentifier() or not paths or not keys_ok or not all(isinstance(p, str) for p in _paths(paths)):
                raise ValueError(f"panel {self.study}/{self.name}: table {key!r} -> {paths!r}; expected an "
                                 "identifier -> a path, a non-empty tuple of paths or a non-empty mapping "
                                 "key -> path")
        if not isinstance(self.runtime, int) or self.runtime < 0:
            raise ValueError(f"panel {self.study}/{self.name}: runtime {self.runtime!r}, expected minutes >= 0")
        if not self.rule:
            object.__setattr__(self, "rule", f"{self.study}_panel_{self.name}")

    @property
    def groups(self) -> list[str]:
        """Names of the tables declared as groups of files."""
        return [k for k, v in self.tables.items() if not isinstance(v, str)]

    def group_keys(self) -> dict[str, list[str] | None]:
        """Per group: its declared keys, in the order of its files, or None (keyed by file stem);
        :func:`draw_panel`'s ``groups``."""
        return {k: (list(v) if isinstance(v, Mapping) else None) for k, v in self.tables.items() if not isinstance(v, str)}

    def inputs(self) -> dict[str, str | list[str]]:
        """Snakemake named inputs: path or list of paths per table name."""
        return {k: (v if isinstance(v, str) else list(_paths(v))) for k, v in self.tables.items()}


def _paths(v) -> tuple:
    """The file paths of a declared table: a path, a tuple of paths or a mapping key -> path."""
    if isinstance(v, str):
        return (v,)
    return tuple(v.values()) if isinstance(v, Mapping) else tuple(v)


def config_subset(cfg: Mapping, *paths: str) -> dict:
    """The nested subset of ``cfg`` at the dotted ``paths`` that are set (an unset one keeps the
    draw function's default): a panel's ``config``."""
    out: dict = {}
    for path in paths:
        *parents, leaf = path.split(".")
        src = cfg
        for k in parents:
            src = src.get(k) if isinstance(src, Mapping) else None
        if isinstance(src, Mapping) and leaf in src:
            dst = out
            for k in parents:
                dst = dst.setdefault(k, {})
            dst[leaf] = src[leaf]
    return out


def unique_panels(panels: Iterable[Panel]) -> list[Panel]:
    """``panels`` as a list, after checking rule names and figure basenames are unique (the
    latter ignoring case, as reST targets do); ValueError naming the clash otherwise."""
    panels = list(panels)
    rules: dict[str, Panel] = {}
    for p in panels:
        if p.rule in rules:
            raise ValueError(f"panel rule {p.rule!r} declared twice ({rules[p.rule].study}/{rules[p.rule].name}, "
                             f"{p.study}/{p.name})")
        rules[p.rule] = p
    clash = basename_collisions(f for p in panels for f in figure_paths(p.study, p.name))
    if clash:
        raise ValueError(f"panel figures whose names differ only in case: {clash}")
    return panels


def resolve_draw(spec: str):
    """The function named by ``"module:function"``."""
    module, _, name = spec.partition(":")
    fn = getattr(importlib.import_module(module), name, None)
    if not callable(fn):
        raise ValueError(f"panel draw function {spec!r}: {module} has no function {name!r}")
    return fn


def draw_panel(draw: str, inputs: Mapping[str, str | list[str]], groups: Iterable[str] | Mapping[str, list[str] | None],
               cfg: Mapping, pdf: str, png: str, table: str, float_format: str | None = "%.6g") -> int:
    """Run one panel: read its named ``inputs`` (a ``.tsv`` as a DataFrame, any other file, e.g.
    ``.npz``, as its path; ``groups``: names read as ``{key: table or path}``, keyed by file stem,
    or, given as a mapping name -> keys (:meth:`Panel.group_keys`), by those keys in file order),
    call the draw function, write the rows it drew to ``table`` atomically (floats as
    ``float_format``); returns their count."""
    from pathlib import Path

    import pandas as pd

    from regbench.plotting.tables import read_tsv, write_tsv

    def read(path):
        return read_tsv(path) if str(path).endswith(".tsv") else str(path)

    groups = dict(groups) if isinstance(groups, Mapping) else dict.fromkeys(groups)
    tables = {}
    for key, paths in inputs.items():
        if key in groups:
            paths = [paths] if isinstance(paths, str) else list(paths)
            keys = groups[key] if groups[key] is not None else [Path(p).stem for p in paths]
            if len(keys) != len(paths) or len(set(keys)) != len(keys):
                raise ValueError(f"panel group {key!r}: keys {keys} for files {paths}; expected one distinct key per file")
            tables[key] = {k: read(p) for k, p in zip(keys, paths)}
        else:
            if not isinstance(paths, str):
                paths = list(paths)
                if len(paths) != 1:
                    raise ValueError(f"panel table {key!r}: expected one file, got {paths}")
                paths = paths[0]
            tables[key] = read(paths)
    data = resolve_draw(draw)(tables, dict(cfg), pdf, png)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"panel draw function {draw!r} returned {type(data).__name__}, expected the DataFrame it drew")
    write_tsv(data, table, float_format)
    return len(data)
