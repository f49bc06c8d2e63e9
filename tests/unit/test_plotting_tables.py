"""regbench.plotting.tables: the one read / row-bind / write of the tables behind figures."""

from __future__ import annotations

import pandas as pd
import pytest

from regbench.plotting.tables import collect_tables, concat_tsvs, read_tsv, write_tsv


@pytest.fixture
def tsvs(tmp_path):
    a, b, empty = tmp_path / "x" / "a.tsv", tmp_path / "y" / "b.tsv", tmp_path / "empty.tsv"
    a.parent.mkdir(), b.parent.mkdir()
    a.write_text("evaluation\tv\nwhole\t1.5\npeak\t2\n")
    b.write_text("evaluation\tv\npeak\t3\nwhole\t0.25\n")
    empty.write_text("")
    return a, b, empty


def test_concat_skips_header_less_files_filters_and_tags(tsvs):
    a, b, empty = tsvs
    df = concat_tsvs([a, empty, b])
    assert df["v"].tolist() == [1.5, 2, 3, 0.25] and df.index.tolist() == [0, 1, 2, 3]
    with pytest.raises(pd.errors.EmptyDataError):
        concat_tsvs([a, empty], skip_empty=False)
    w = concat_tsvs([a, b], where={"evaluation": "whole"})
    assert w["v"].tolist() == [1.5, 0.25] and w.index.tolist() == [0, 1]
    assert concat_tsvs([a], where={"evaluation": None})["v"].tolist() == [1.5, 2]  # None keeps all
    t = concat_tsvs([a, b], each=lambda d, p: d.assign(source=p))
    assert t["source"].tolist() == [str(a)] * 2 + [str(b)] * 2
    assert concat_tsvs([empty]).empty and concat_tsvs([]).columns.tolist() == []


def test_write_is_atomic_formatted_and_optional(tsvs, tmp_path):
    a, b, _ = tsvs
    out = tmp_path / "out" / "t.tsv"
    df = collect_tables([a, b], out, float_format="%.6g", where={"evaluation": "peak"})
    assert out.read_text().splitlines() == ["evaluation\tv", "peak\t2", "peak\t3"]
    assert read_tsv(out).equals(df.reset_index(drop=True).astype({"v": "int64"}))
    write_tsv(pd.DataFrame({"x": [1 / 3]}), out, "%.3g")
    assert out.read_text().splitlines() == ["x", "0.333"]
    write_tsv(pd.DataFrame({"x": [1]}), None)  # no path: nothing written, no error
    assert sorted(p.name for p in out.parent.iterdir()) == ["t.tsv"]
