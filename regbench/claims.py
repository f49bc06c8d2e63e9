"""Published-vs-ours: a study's claims, declared once, checked against its output tables.

A study declares its claims in ``regbench/studies/<study>/claims.yaml`` under two lists:
``paper`` (the published numbers, checked on the paper configuration) and ``demo`` (the demo
world's planted truth, checked on every demo run, so the mechanism itself is exercised). Each
claim::

    - id: n_significant                        # unique within the study
      statement: "599 genes ... significant"   # the paper's words (or the planted truth)
      published: 599                           # number, [low, high] range, or text
      source: "Sasse et al. 2023, Fig. 1C; Supp. Table 1"
      ours: {table: summary/significance.tsv, metric: n_significant}
      versus: {...}                            # a second measure, for `greater`/`less`
      compare: within                          # within | at_least | at_most | greater | less |
                                               # same_sign | in_range
      tolerance: 0.1                           # for `within`: |ours - published| <= tolerance
      relative: true                           # ... * |published| when true
      justification: "why this tolerance"
      requires: personal.ensemble.enabled      # optional: a config path that must be truthy

A *measure* reads one number from a TSV under ``results/<study>/``: ``table`` (relative path),
then either ``metric`` (a ``metric``/``value`` summary table: the value of that metric) or
``column`` with an optional ``where`` (a pandas query) and ``reduce`` (``value`` = exactly one
row, ``mean``, ``median``, ``sum``, ``count`` (non-missing), ``min``, ``max``, ``fraction``
(mean of a boolean column), ``rows`` (number of rows)).

Verdicts: ``reproduced``, ``not reproduced``, ``not computable`` (with the reason: a table this
configuration does not build, a missing column, an empty selection, a non-finite value).
:func:`evaluate_claims` never raises on a bad output table: a claim it cannot compute says why.
A malformed declaration raises :class:`ValueError` naming the claim (a test loads every study's
file).

Kept import-light (yaml at parse time, pandas only when evaluating): the Snakefile reads the
declarations to list each rule's input tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

COMPARISONS = ("within", "at_least", "at_most", "greater", "less", "same_sign", "in_range")
REDUCERS = ("value", "mean", "median", "sum", "count", "min", "max", "fraction", "rows")
VERDICTS = ("reproduced", "not reproduced", "not computable")
COLUMNS = ["study", "claim", "statement", "source", "published", "ours", "versus", "comparison",
           "tolerance", "verdict", "reason", "justification"]


@dataclass(frozen=True)
class Measure:
    """One number read from ``results/<study>/<table>`` (see the module docstring)."""

    table: str
    metric: str | None = None
    column: str | None = None
    where: str | None = None
    reduce: str = "value"

    @classmethod
    def parse(cls, d: Mapping, where_: str) -> "Measure":
        if not isinstance(d, Mapping) or "table" not in d:
            raise ValueError(f"{where_}: a measure needs at least `table` (got {d!r})")
        unknown = set(d) - {"table", "metric", "column", "where", "reduce"}
        if unknown:
            raise ValueError(f"{where_}: unknown measure keys {sorted(unknown)}")
        m = cls(**dict(d))
        if (m.metric is None) == (m.column is None) and m.reduce != "rows":
            raise ValueError(f"{where_}: give exactly one of `metric` or `column`")
        if m.reduce not in REDUCERS:
            raise ValueError(f"{where_}: reduce {m.reduce!r} not in {REDUCERS}")
        return m

    def describe(self) -> str:
        what = f"metric {self.metric}" if self.metric else (f"{self.reduce} of {self.column}" if self.column else "rows")
        return f"{self.table}: {what}" + (f" where {self.where}" if self.where else "")


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str
    source: str
    ours: Measure
    compare: str
    published: Any = None
    versus: Measure | None = None
    tolerance: float | None = None
    relative: bool = False
    justification: str = ""
    requires: str | None = None

    @property
    def tables(self) -> list[str]:
        return [m.table for m in (self.ours, self.versus) if m is not None]


def parse_claim(d: Mapping, where_: str) -> Claim:
    """A :class:`Claim` from one YAML mapping; ValueError naming ``where_`` and the claim."""
    if not isinstance(d, Mapping) or "id" not in d:
        raise ValueError(f"{where_}: each claim is a mapping with an `id` (got {d!r})")
    w = f"{where_} claim {d['id']}"
    known = {"id", "statement", "source", "ours", "versus", "compare", "published", "tolerance",
             "relative", "justification", "requires"}
    unknown = set(d) - known
    if unknown:
        raise ValueError(f"{w}: unknown keys {sorted(unknown)}")
    for key in ("statement", "source", "ours", "compare"):
        if key not in d:
            raise ValueError(f"{w}: `{key}` is required")
    compare = d["compare"]
    if compare not in COMPARISONS:
        raise ValueError(f"{w}: compare {compare!r} not in {COMPARISONS}")
    versus = Measure.parse(d["versus"], w + " versus") if d.get("versus") is not None else None
    if compare in ("greater", "less") and versus is None and not _is_number(d.get("published")):
        raise ValueError(f"{w}: `{compare}` needs `versus` (another measure) or a numeric `published`")
    if compare == "within" and d.get("tolerance") is None:
        raise ValueError(f"{w}: `within` needs a `tolerance` (and its `justification`)")
    if compare == "in_range" and not (isinstance(d.get("published"), Sequence) and len(d["published"]) == 2):
        raise ValueError(f"{w}: `in_range` needs `published: [low, high]`")
    if compare in ("within", "at_least", "at_most", "same_sign") and not _is_number(d.get("published")):
        raise ValueError(f"{w}: `{compare}` needs a numeric `published`")
    tol = d.get("tolerance")
    if tol is not None and (not _is_number(tol) or tol < 0):
        raise ValueError(f"{w}: tolerance must be a number >= 0")
    return Claim(id=str(d["id"]), statement=str(d["statement"]), source=str(d["source"]),
                 ours=Measure.parse(d["ours"], w + " ours"), compare=compare,
                 published=d.get("published"), versus=versus, tolerance=tol,
                 relative=bool(d.get("relative", False)), justification=str(d.get("justification", "")),
                 requires=d.get("requires"))


def load_claims(path: str | Path, which: str) -> list[Claim]:
    """The ``which`` list (``paper`` | ``demo``) of a study's claims file."""
    path = Path(path)
    doc = yaml.safe_load(path.read_text()) or {}
    if which not in ("paper", "demo"):
        raise ValueError(f"{path}: claim list {which!r} is neither 'paper' nor 'demo'")
    items = doc.get(which) or []
    claims = [parse_claim(d, f"{path} [{which}]") for d in items]
    ids = [c.id for c in claims]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"{path} [{which}]: duplicate claim ids {dup}")
    return claims


def study_claims_file(study: str) -> Path:
    return Path(__file__).resolve().parent / "studies" / study / "claims.yaml"


def config_value(config: Mapping, dotted: str):
    """``config['a']['b']`` for ``'a.b'``; None when any key is missing."""
    cur: Any = config
    for k in dotted.split("."):
        if not isinstance(cur, Mapping) or k not in cur:
            return None
        cur = cur[k]
    return cur


def active(claim: Claim, config: Mapping) -> bool:
    """False when the claim ``requires`` a config switch this configuration leaves off."""
    return claim.requires is None or bool(config_value(config, claim.requires))


def claim_tables(claims: Sequence[Claim], config: Mapping) -> list[str]:
    """Relative paths of the tables the active claims read (the claims rule's inputs)."""
    out: list[str] = []
    for c in claims:
        if active(c, config):
            out += [t for t in c.tables if t not in out]
    return out


# ---------------------------------------------------------------------------------------------
# evaluation


class NotComputable(Exception):
    """Why a measure has no value on these outputs."""


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def measure_value(m: Measure, root: Path, cache: dict) -> float:
    """The number ``m`` reads under ``root`` (the study's results folder); NotComputable if none."""
    import numpy as np
    import pandas as pd

    path = root / m.table
    if path not in cache:
        if not path.exists():
            raise NotComputable(f"{m.table} was not written")
        try:
            cache[path] = pd.read_csv(path, sep="\t")
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as e:
            raise NotComputable(f"{m.table} is not a readable TSV ({type(e).__name__})") from None
    df = cache[path]
    if m.metric is not None:
        if not {"metric", "value"} <= set(df.columns):
            raise NotComputable(f"{m.table} has no metric/value columns")
        rows = df.loc[df["metric"].astype(str) == m.metric, "value"]
        if rows.empty:
            raise NotComputable(f"{m.table} has no metric {m.metric!r}")
        vals = pd.to_numeric(rows, errors="coerce")
        v = float(vals.iloc[0])
    else:
        if m.where:
            try:
                df = df.query(m.where, engine="python")
            except Exception as e:  # a where naming a column this table lacks
                raise NotComputable(f"{m.table}: selection {m.where!r} failed ({type(e).__name__}: {e})") from None
        if m.reduce == "rows":
            return float(len(df))
        if m.column not in df.columns:
            raise NotComputable(f"{m.table} has no column {m.column!r}")
        col = df[m.column]
        if df.empty:
            raise NotComputable(f"{m.table}: no rows" + (f" where {m.where}" if m.where else ""))
        if m.reduce == "fraction":
            v = float(col.astype(float).mean())
        else:
            x = pd.to_numeric(col, errors="coerce")
            if m.reduce == "value":
                if len(x) != 1:
                    raise NotComputable(f"{m.table}: {len(x)} rows match where exactly one was expected"
                                        + (f" ({m.where})" if m.where else ""))
                v = float(x.iloc[0])
            elif m.reduce == "count":
                v = float(x.notna().sum())
            else:
                v = float(getattr(x.dropna(), m.reduce)()) if x.notna().any() else float("nan")
    if not np.isfinite(v):
        raise NotComputable(f"{m.describe()} is not a finite number")
    return v


def verdict(claim: Claim, ours: float, versus: float | None) -> tuple[str, str]:
    """(verdict, reason) of one claim given our value(s)."""
    p = claim.published
    c = claim.compare
    if c == "within":
        tol = claim.tolerance * (abs(p) if claim.relative else 1.0)
        ok, why = abs(ours - p) <= tol, f"|{ours:.4g} - {p:.4g}| {'<=' if abs(ours - p) <= tol else '>'} {tol:.4g}"
    elif c == "at_least":
        ok, why = ours >= p, f"{ours:.4g} {'>=' if ours >= p else '<'} {p:.4g}"
    elif c == "at_most":
        ok, why = ours <= p, f"{ours:.4g} {'<=' if ours <= p else '>'} {p:.4g}"
    elif c == "in_range":
        lo, hi = p
        ok, why = lo <= ours <= hi, f"{ours:.4g} {'in' if lo <= ours <= hi else 'outside'} [{lo:.4g}, {hi:.4g}]"
    elif c == "same_sign":
        ok = (ours > 0 and p > 0) or (ours < 0 and p < 0)
        why = f"sign({ours:.4g}) {'=' if ok else '!='} sign({p:.4g})"
    else:  # greater / less, against `versus` or the published number
        other = versus if versus is not None else p
        ok = ours > other if c == "greater" else ours < other
        why = f"{ours:.4g} {'>' if ours > other else '<='} {other:.4g}" if c == "greater" else \
            f"{ours:.4g} {'<' if ours < other else '>='} {other:.4g}"
    return ("reproduced" if ok else "not reproduced"), why


def evaluate_claims(claims: Sequence[Claim], root: str | Path, study: str, config: Mapping | None = None):
    """One row per claim (columns :data:`COLUMNS`) against the tables under ``root``."""
    import pandas as pd

    root = Path(root)
    cache: dict = {}
    rows = []
    for c in claims:
        row = {"study": study, "claim": c.id, "statement": c.statement, "source": c.source,
               "published": _fmt(c.published), "ours": "", "versus": "", "comparison": c.compare,
               "tolerance": "" if c.tolerance is None else (f"{c.tolerance:g}" + (" (relative)" if c.relative else "")),
               "justification": c.justification}
        if config is not None and not active(c, config):
            row.update(verdict="not computable", reason=f"not built with this configuration ({c.requires} is off)")
            rows.append(row)
            continue
        try:
            ours = measure_value(c.ours, root, cache)
            vs = measure_value(c.versus, root, cache) if c.versus is not None else None
        except NotComputable as e:
            row.update(verdict="not computable", reason=str(e))
            rows.append(row)
            continue
        v, why = verdict(c, ours, vs)
        row.update(ours=f"{ours:.6g}", versus="" if vs is None else f"{vs:.6g}", verdict=v, reason=why)
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _fmt(x) -> str:
    if x is None:
        return ""
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    return f"{x:g}" if _is_number(x) else str(x)


def write_claims_table(claims: Sequence[Claim], root, study: str, out, config: Mapping | None = None):
    """Evaluate and write ``out`` atomically; returns the table."""
    from regbench.workflow import atomic_path

    df = evaluate_claims(claims, root, study, config)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False)
    return df


def rst_table(df) -> str:
    """The claims table as an RST list-table (the report's front page)."""
    cols = ["claim", "statement", "published", "ours", "comparison", "verdict", "reason"]
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 12 40 10 10 10 10 18", ""]

    def cell(v):
        s = " ".join(str(v).split()) if v == v else ""
        return s.replace("|", "\\|").replace("*", "\\*").replace("`", "'") or "-"

    lines.append("   * - " + "\n     - ".join(c.capitalize() for c in cols))
    for _, r in df.iterrows():
        lines.append("   * - " + "\n     - ".join(cell(r[c]) for c in cols))
    return "\n".join(lines) + "\n"
