"""ENCODE resolver (regbench.data.encode) against a fake portal on 127.0.0.1 (the shared server of
tests/unit/conftest.py). Like the real portal, the fake search filters by dataset and replicate
membership (``biological_replicates=1`` also matches pooled ``[1, 2]`` files); unlike it, it ignores
assembly/output type/format, so every decoy reaches the client-side selection rules."""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.parse

import pandas as pd
import pytest

from regbench.data import encode as enc
from regbench.data.download import DownloadError
from regbench.errors import InputError

EXP = "ENCSR000AAA"


def nosleep(_):
    pass


def _file(acc, output_type, fmt, reps, body: bytes, assembly="GRCh38", status="released", exp=EXP,
          preferred=None, created="2021-01-01T00:00:00.000000+00:00", md5=None):
    ext = {"bigWig": "bigWig", "bed": "bed.gz", "bigBed": "bigBed"}[fmt]
    rec = {
        "accession": acc, "output_type": output_type, "file_format": fmt, "biological_replicates": reps,
        "assembly": assembly, "status": status, "dataset": f"/experiments/{exp}/",
        "md5sum": md5 or hashlib.md5(body).hexdigest(), "file_size": len(body),
        "href": f"/files/{acc}/@@download/{acc}.{ext}", "date_created": created,
    }
    if preferred is not None:
        rec["preferred_default"] = preferred
    return rec, body


FC = "fold change over control"
IDR = "IDR thresholded peaks"
GOOD_FC = b"bigwig rep1 bytes" * 50
GOOD_PEAKS = b"\x1f\x8bpeaks rep1" * 40
REP2_FC = b"bigwig rep2 bytes" * 30


def portal_files():
    """The chosen files plus decoys for each rule."""
    return [
        _file("ENCFF000POO", FC, "bigWig", [1, 2], b"pooled"),  # pooled: not exactly [1]
        _file("ENCFF000HGX", FC, "bigWig", [1], b"hg19", assembly="hg19"),  # other assembly
        _file("ENCFF000REV", FC, "bigWig", [1], b"revoked", status="revoked"),  # revoked
        _file("ENCFF000SIG", "signal p-value", "bigWig", [1], b"pval"),  # other output type
        _file("ENCFF001FCA", FC, "bigWig", [1], GOOD_FC),  # <- rep1 fold change
        _file("ENCFF002FCB", FC, "bigWig", [2], REP2_FC),  # <- rep2 fold change
        _file("ENCFF000BBD", IDR, "bigBed", [1], b"bigbed"),  # other format
        _file("ENCFF001PKA", IDR, "bed", [1], GOOD_PEAKS),  # <- rep1 IDR peaks
        _file("ENCFF000PKP", IDR, "bed", [1, 2], b"pooled peaks"),
    ]


def install_portal(srv, files):
    """Routes: /search/ (filtered by dataset and replicate membership), /files/<acc>/ metadata, hrefs."""
    records = [r for r, _ in files]

    def search(h, n):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(h.path).query)
        rep = int(q["biological_replicates"][0])
        hits = [r for r in records if r["dataset"] == q["dataset"][0] and rep in r["biological_replicates"]]
        if not hits:  # the real portal answers an empty search with HTTP 404 and a JSON body
            return h.send_body(json.dumps({"@graph": [], "notification": "No results found"}).encode(),
                               honour_range=False, status=404)
        h.send_body(json.dumps({"@graph": hits, "total": len(hits)}).encode(), honour_range=False)

    srv.routes["/search/"] = search
    for rec, body in files:
        srv.routes[f"/files/{rec['accession']}/"] = lambda h, n, rec=rec: h.send_body(json.dumps(rec).encode(), honour_range=False)
        srv.routes[rec["href"]] = lambda h, n, body=body: h.send_body(body)


def searches(srv):
    return [p for p in srv.state if isinstance(p, str) and p.startswith("/search/")]


@pytest.fixture()
def portal(http_server):
    install_portal(http_server, portal_files())
    return http_server


def leftovers(d):
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_search_url_is_the_spec_query():
    url = enc.search_url(enc.FileRequest("ENCSR591PIX", "fc", 1))
    assert url == ("https://www.encodeproject.org/search/?type=File&dataset=/experiments/ENCSR591PIX/"
                   "&assembly=GRCh38&output_type=fold+change+over+control&biological_replicates=1"
                   "&format=json&limit=all")
    assert "output_type=IDR+thresholded+peaks" in enc.search_url(enc.FileRequest("ENCSR591PIX", "peaks", 1), "http://x/")


def test_resolves_rep1_fold_change_among_decoys(portal, tmp_path):
    dest, prov = tmp_path / "enc" / "A.rep1.fc.bigWig", tmp_path / "enc" / "A.rep1.fc.bigWig.encode.json"
    rec = enc.fetch_encode_file(enc.FileRequest(EXP, "fc", 1), dest, prov, base=portal.base, label="A rep1 fc", sleep=nosleep)
    assert dest.read_bytes() == GOOD_FC
    assert rec["accession"] == "ENCFF001FCA" and rec["md5sum"] == hashlib.md5(GOOD_FC).hexdigest()
    assert rec["url"] == f"{portal.base}/files/ENCFF001FCA/@@download/ENCFF001FCA.bigWig"
    assert rec["query"] == enc.search_url(enc.FileRequest(EXP, "fc", 1), portal.base) and rec["pinned"] is False
    assert json.loads(prov.read_text()) == rec
    verdicts = {c["accession"]: c["verdict"] for c in rec["candidates"]}
    assert verdicts["ENCFF001FCA"] == "chosen"
    assert "biological_replicates [1, 2] != [1]" in verdicts["ENCFF000POO"]
    assert "assembly 'hg19'" in verdicts["ENCFF000HGX"]
    assert "status 'revoked'" in verdicts["ENCFF000REV"]
    assert "output_type 'signal p-value'" in verdicts["ENCFF000SIG"]
    assert leftovers(dest.parent) == sorted([dest.name, prov.name])


def test_resolves_rep1_idr_peaks_bed_not_bigbed_and_rep2(portal, tmp_path):
    rec = enc.fetch_encode_file(enc.FileRequest(EXP, "peaks", 1), tmp_path / "p.bed.gz", tmp_path / "p.json",
                                base=portal.base, sleep=nosleep)
    assert rec["accession"] == "ENCFF001PKA" and (tmp_path / "p.bed.gz").read_bytes() == GOOD_PEAKS
    assert "file_format 'bigBed' != 'bed'" in {c["accession"]: c["verdict"] for c in rec["candidates"]}["ENCFF000BBD"]
    rec2 = enc.fetch_encode_file(enc.FileRequest(EXP, "fc", 2), tmp_path / "r2.bigWig", tmp_path / "r2.json",
                                 base=portal.base, sleep=nosleep)
    assert rec2["accession"] == "ENCFF002FCB" and (tmp_path / "r2.bigWig").read_bytes() == REP2_FC


def test_zero_candidates_names_experiment_query_and_decoys(http_server, tmp_path):
    install_portal(http_server, [f for f in portal_files() if f[0]["accession"] != "ENCFF001FCA"])
    req = enc.FileRequest(EXP, "fc", 1)
    with pytest.raises(InputError) as ei:
        enc.fetch_encode_file(req, tmp_path / "d" / "x.bigWig", tmp_path / "d" / "x.json", base=http_server.base, sleep=nosleep)
    msg = str(ei.value)
    assert EXP in msg and enc.search_url(req, http_server.base) in msg
    assert "ENCFF000POO" in msg and "biological_replicates [1, 2] != [1]" in msg and "none among" in msg
    assert leftovers(tmp_path / "d") == []


def test_empty_search_404_is_zero_candidates(http_server, tmp_path):
    install_portal(http_server, portal_files())
    with pytest.raises(InputError, match=r"ENCSR999ZZZ.*none among 0 records"):
        enc.fetch_encode_file(enc.FileRequest("ENCSR999ZZZ", "fc", 1), tmp_path / "x", tmp_path / "x.json",
                              base=http_server.base, sleep=nosleep)
    assert leftovers(tmp_path) == []


def test_md5_mismatch_leaves_nothing(http_server, tmp_path):
    files = portal_files()
    files[4] = _file("ENCFF001FCA", FC, "bigWig", [1], GOOD_FC, md5="0" * 32)
    install_portal(http_server, files)
    with pytest.raises(DownloadError, match="md5 mismatch: expected 0+"):
        enc.fetch_encode_file(enc.FileRequest(EXP, "fc", 1), tmp_path / "d" / "x.bigWig", tmp_path / "d" / "x.json",
                              base=http_server.base, retries=0, sleep=nosleep)
    assert leftovers(tmp_path / "d") == []  # no file, no .part, no provenance


def test_ambiguity_after_all_rules_is_an_error(http_server, tmp_path):
    files = portal_files() + [_file("ENCFF000FCX", FC, "bigWig", [1], b"twin")]  # same date, no preferred_default
    install_portal(http_server, files)
    with pytest.raises(InputError) as ei:
        enc.fetch_encode_file(enc.FileRequest(EXP, "fc", 1), tmp_path / "x", tmp_path / "x.json", base=http_server.base, sleep=nosleep)
    msg = str(ei.value)
    assert "2 equally ranked files" in msg and "ENCFF001FCA" in msg and "ENCFF000FCX" in msg and "pinned" in msg
    assert leftovers(tmp_path) == []


def test_tie_breaks_preferred_default_then_newest():
    req = enc.FileRequest(EXP, "fc", 1)
    a, _ = _file("ENCFF00000A", FC, "bigWig", [1], b"a", created="2020-01-01")
    b, _ = _file("ENCFF00000B", FC, "bigWig", [1], b"b", created="2022-01-01")
    c, _ = _file("ENCFF00000C", FC, "bigWig", [1], b"c", created="2019-01-01", preferred=True)
    rec, reason, cands = enc.select_file([a, b], req)
    assert rec["accession"] == "ENCFF00000B" and "newest date_created (2022-01-01)" in reason
    rec, reason, cands = enc.select_file([a, b, c], req)  # preferred_default beats newer files
    assert rec["accession"] == "ENCFF00000C" and "preferred_default" in reason
    assert {x["accession"]: x["verdict"] for x in cands}["ENCFF00000B"].startswith("rejected: another candidate has preferred_default")
    rec, reason, _ = enc.select_file([a], req)
    assert rec["accession"] == "ENCFF00000A" and reason.startswith("the only record")


def test_single_replicate_value_must_be_exactly_rep():
    req = enc.FileRequest(EXP, "fc", 1)
    for reps in ([1, 2], [2, 1], [], None, [1, 1]):
        r, _ = _file("ENCFF00000D", FC, "bigWig", reps, b"d")
        with pytest.raises(InputError, match="none among 1 records"):
            enc.select_file([r], req)


def test_pinned_accession_skips_the_query(portal, tmp_path):
    rec = enc.fetch_encode_file(enc.FileRequest(EXP, "fc", 1), tmp_path / "x.bigWig", tmp_path / "x.json",
                                base=portal.base, pinned="ENCFF001FCA", sleep=nosleep)
    assert searches(portal) == [] and portal.state["/files/ENCFF001FCA/?format=json"] == 1
    assert rec["pinned"] is True and rec["query"] is None and rec["accession"] == "ENCFF001FCA"
    assert (tmp_path / "x.bigWig").read_bytes() == GOOD_FC


def test_pinned_accession_of_the_wrong_kind_fails(portal, tmp_path, caplog):
    with pytest.raises(InputError, match=r"ENCFF002FCB.*biological_replicates \[2\] != \[1\]"):
        enc.fetch_encode_file(enc.FileRequest(EXP, "fc", 1), tmp_path / "x", tmp_path / "x.json",
                              base=portal.base, pinned="ENCFF002FCB", sleep=nosleep)
    with pytest.raises(InputError, match=r"dataset '/experiments/ENCSR000AAA/' is not /experiments/ENCSR111BBB/"):
        enc.resolve(enc.FileRequest("ENCSR111BBB", "fc", 1), base=portal.base, pinned="ENCFF001FCA", sleep=nosleep)
    with caplog.at_level(logging.WARNING):  # a pinned revoked file is used, with a warning
        res = enc.resolve(enc.FileRequest(EXP, "fc", 1), base=portal.base, pinned="ENCFF000REV", sleep=nosleep)
    assert res.accession == "ENCFF000REV" and "status 'revoked'" in caplog.text
    assert leftovers(tmp_path) == []


def test_search_retried_after_503(portal, tmp_path):
    install = portal.routes["/search/"]
    portal.routes["/search/"] = lambda h, n: h.send_error(503, "busy") if n == 0 else install(h, n)
    res = enc.resolve(enc.FileRequest(EXP, "fc", 1), base=portal.base, sleep=nosleep)
    assert res.accession == "ENCFF001FCA" and sum(portal.state[p] for p in searches(portal)) == 2


def test_provenance_table(portal, tmp_path):
    paths = []
    for kind, rep in (("fc", 1), ("peaks", 1), ("fc", 2)):
        p = tmp_path / f"{kind}{rep}.json"
        enc.fetch_encode_file(enc.FileRequest(EXP, kind, rep), tmp_path / f"{kind}{rep}.bin", p, base=portal.base,
                              pinned="ENCFF002FCB" if rep == 2 else None, label=f"A {kind} rep{rep}", sleep=nosleep)
        paths.append(p)
    df = enc.provenance_table(paths, tmp_path / "prov.tsv")
    back = pd.read_csv(tmp_path / "prov.tsv", sep="\t")
    assert list(back.columns) == enc.PROVENANCE_COLUMNS and len(df) == 3
    assert back["accession"].tolist() == ["ENCFF001FCA", "ENCFF001PKA", "ENCFF002FCB"]
    assert back["pinned"].tolist() == [False, False, True]


def test_fetch_from_rule_params_and_single_replicate_guard(portal, tmp_path):
    spec = {"experiment": EXP, "kind": "fc", "replicate": 1, "replicates": 1, "base_url": portal.base,
            "retries": 0, "label": "A fc rep1"}
    rec = enc.fetch_from_config(spec, tmp_path / "a.bigWig", tmp_path / "a.json")
    assert rec["accession"] == "ENCFF001FCA" and rec["label"] == "A fc rep1"
    n_before = sum(v for k, v in portal.state.items() if k != "ranges")
    with pytest.raises(InputError, match=r"ENCSR000AAA has 1 biological replicate.*no rep2 for the replicate ceiling"):
        enc.fetch_from_config(dict(spec, replicate=2, label="A fc rep2"), tmp_path / "b.bigWig", tmp_path / "b.json")
    assert sum(v for k, v in portal.state.items() if k != "ranges") == n_before  # failed before any request
    assert leftovers(tmp_path) == ["a.bigWig", "a.json"]


def test_command_line_shows_the_selection(portal, capsys):
    assert enc._main([EXP, "peaks", "1", "--base", portal.base]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["accession"] == "ENCFF001PKA" and out["query"].startswith(portal.base + "/search/?type=File")
    assert not [p for p in portal.state if isinstance(p, str) and "@@download" in p]  # no download
