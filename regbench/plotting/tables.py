"""The tables behind figures, shared by the studies' ``figures.py``: read and row-bind input TSVs,
write a panel's data table (or a collected table) atomically."""

from __future__ import annotations

import os
from typing import Callable, Iterable, Mapping

import pandas as pd

from regbench.workflow import atomic_path


def read_tsv(path: str | os.PathLike) -> pd.DataFrame:
    """One tab-separated table with a header."""
    return pd.read_csv(path, sep="\t")


def concat_tsvs(paths: Iterable[str | os.PathLike], skip_empty: bool = True,
                where: Mapping[str, object] | None = None,
                each: Callable[[pd.DataFrame, str], pd.DataFrame] | None = None) -> pd.DataFrame:
    """Row-bind the TSVs at ``paths`` (in order; index 0..n-1).

    ``skip_empty``: a file without even a header (a step with nothing to collect) is skipped,
    else it raises ``pandas.errors.EmptyDataError``. ``where``: per table, keep the rows whose
    column equals the value (a None value, or a table without that column, keeps all).
    ``each(table, path)``: applied to every table before binding (e.g. a source column).
    No table at all gives an empty DataFrame without columns.
    """
    parts = []
    for p in paths:
        try:
            df = read_tsv(p)
        except pd.errors.EmptyDataError:
            if skip_empty:
                continue
            raise
        for col, value in (where or {}).items():
            if value is not None and col in df.columns:
                df = df[df[col] == value]
        if each is not None:
            df = each(df, str(p))
        parts.append(df)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def write_tsv(df: pd.DataFrame, path: str | os.PathLike | None, float_format: str | None = None) -> pd.DataFrame:
    """Write ``df`` (no index) to ``path`` atomically; a falsy ``path`` writes nothing. Returns df."""
    if path:
        with atomic_path(path) as tmp:
            df.to_csv(tmp, sep="\t", index=False, float_format=float_format)
    return df


def collect_tables(paths: Iterable[str | os.PathLike], out: str | os.PathLike, float_format: str | None = None,
                   **kw) -> pd.DataFrame:
    """:func:`concat_tsvs` (keyword arguments passed on) written to ``out``."""
    return write_tsv(concat_tsvs(paths, **kw), out, float_format)
