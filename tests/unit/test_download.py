"""Downloader against a local threaded HTTP server: good, wrong checksum, 500 then OK, truncated
(resumed / restarted / always), 404, file://, ENCODE/Zenodo URL helpers, Synapse via a fake API."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest

from regbench.data import download as dl
from regbench.data.download import DownloadError, download, download_spec, encode_file_url, zenodo_file_url

DATA = bytes(range(256)) * 4000  # ~1 MB
MD5 = hashlib.md5(DATA).hexdigest()
SHA = hashlib.sha256(DATA).hexdigest()
TOKEN = "s3cr3t-token-value"


def _synapse_filehandles(h, n):
    if h.headers.get("Authorization") != f"Bearer {TOKEN}":
        return h.send_error(401)
    body = json.dumps({"list": [{"contentMd5": MD5, "fileName": "geno.vcf.gz"}]}).encode()
    h.send_body(body, honour_range=False)


def _synapse_file(h, n):
    if h.headers.get("Authorization") != f"Bearer {TOKEN}":
        return h.send_error(403)
    h.send_body(f"http://127.0.0.1:{h.server.server_port}/presigned/good.bin".encode(), honour_range=False)


def _presigned(h, n):
    if "Authorization" in h.headers:  # token must not travel to the storage URL
        return h.send_error(400)
    h.send_body(DATA)


ROUTES = {
    "/good.bin": lambda h, n: h.send_body(DATA),
    "/flaky500.bin": lambda h, n: h.send_error(500, "boom") if n == 0 else h.send_body(DATA),
    # truncated first, then honours Range -> resume
    "/trunc_once.bin": lambda h, n: h.send_body(DATA, truncate_to=len(DATA) // 3 if n == 0 else None),
    # truncated first, then ignores Range -> restart
    "/trunc_norange.bin": lambda h, n: h.send_body(DATA, honour_range=False, truncate_to=len(DATA) // 3 if n == 0 else None),
    "/trunc_always.bin": lambda h, n: h.send_body(DATA, honour_range=False, truncate_to=1000),
    "/repo/v1/entity/syn123/filehandles": _synapse_filehandles,
    "/repo/v1/entity/syn123/file": _synapse_file,
    "/presigned/good.bin": _presigned,
}


@pytest.fixture()
def server(http_server):
    """(base URL, request state) of the shared local server (tests/unit/conftest.py) with ROUTES."""
    http_server.routes.update(ROUTES)
    return http_server.base, http_server.state


def leftovers(d):
    return sorted(p.name for p in d.iterdir())


def nosleep(_):
    pass


def test_good_file_md5_and_sha256(server, tmp_path):
    base, _ = server
    out = download(f"{base}/good.bin", tmp_path / "a" / "good.bin", md5=MD5, sha256=SHA, sleep=nosleep)
    assert out.read_bytes() == DATA and leftovers(tmp_path / "a") == ["good.bin"]


def test_wrong_checksum_leaves_nothing(server, tmp_path):
    base, _ = server
    with pytest.raises(DownloadError, match="md5 mismatch: expected 0+, got " + MD5):
        download(f"{base}/good.bin", tmp_path / "x.bin", md5="0" * 32, sleep=nosleep)
    assert leftovers(tmp_path) == []


def test_500_then_success(server, tmp_path, caplog):
    base, state = server
    with caplog.at_level(logging.WARNING):
        download(f"{base}/flaky500.bin", tmp_path / "f.bin", md5=MD5, sleep=nosleep)
    assert (tmp_path / "f.bin").read_bytes() == DATA and state["/flaky500.bin"] == 2
    assert "HTTP 500" in caplog.text


def test_truncated_body_resumed_with_range(server, tmp_path):
    base, state = server
    download(f"{base}/trunc_once.bin", tmp_path / "t.bin", sha256=SHA, sleep=nosleep)
    assert (tmp_path / "t.bin").read_bytes() == DATA and leftovers(tmp_path) == ["t.bin"]
    ranges = [r for p, r in state["ranges"] if p == "/trunc_once.bin"]
    assert ranges[0] is None and ranges[1] is not None and int(ranges[1].split("=")[1].rstrip("-")) > 0


def test_truncated_body_restarted_when_range_ignored(server, tmp_path):
    base, _ = server
    download(f"{base}/trunc_norange.bin", tmp_path / "t.bin", md5=MD5, sleep=nosleep)
    assert (tmp_path / "t.bin").read_bytes() == DATA


def test_always_truncated_fails_cleanly(server, tmp_path):
    base, state = server
    with pytest.raises(DownloadError, match="failed after 3 attempts"):
        download(f"{base}/trunc_always.bin", tmp_path / "t.bin", md5=MD5, retries=2, sleep=nosleep)
    assert leftovers(tmp_path) == [] and state["/trunc_always.bin"] == 3


def test_404_is_not_retried(server, tmp_path):
    base, state = server
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(f"{base}/missing.bin", tmp_path / "m.bin", md5=MD5, sleep=nosleep)
    assert leftovers(tmp_path) == [] and state["/missing.bin"] == 1


def test_file_url_and_spec(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(DATA)
    out = download_spec({"url": src.as_uri(), "md5": MD5, "note": "x"}, tmp_path / "d" / "copy.bin", log=logging.getLogger("t"))
    assert out.read_bytes() == DATA
    with pytest.raises(DownloadError, match="no such file|not found"):
        download((tmp_path / "nope").as_uri(), tmp_path / "d" / "n.bin", md5=MD5, sleep=nosleep)
    assert leftovers(tmp_path / "d") == ["copy.bin"]
    with pytest.raises(DownloadError, match="without 'url'"):
        download_spec({"md5": MD5}, tmp_path / "d" / "z")


def test_url_helpers():
    assert encode_file_url("ENCFF356LFX", "bed.gz") == "https://www.encodeproject.org/files/ENCFF356LFX/@@download/ENCFF356LFX.bed.gz"
    assert zenodo_file_url(6555187, "model.h5") == "https://zenodo.org/records/6555187/files/model.h5?download=1"


def test_encode_md5_lookup(http_server):
    http_server.routes["/files/ENCFF000AAA/"] = lambda h, n: h.send_body(json.dumps({"md5sum": MD5}).encode())
    assert dl.encode_md5("ENCFF000AAA", base=http_server.base) == MD5
    assert "/files/ENCFF000AAA/?format=json" in http_server.state


def test_synapse_download(server, tmp_path, monkeypatch, caplog):
    base, _ = server
    monkeypatch.setenv("SYNAPSE_REPO_ENDPOINT", base)
    monkeypatch.delenv("SYNAPSE_AUTH_TOKEN", raising=False)
    cfg = tmp_path / "synapseConfig"
    cfg.write_text(f"[authentication]\nauthtoken = {TOKEN}\n")
    monkeypatch.setenv("SYNAPSE_CONFIG", str(cfg))
    with caplog.at_level(logging.DEBUG):
        out = download("synapse://syn123", tmp_path / "out" / "geno.vcf.gz", sleep=nosleep)  # md5 from Synapse
    assert out.read_bytes() == DATA
    assert TOKEN not in caplog.text and "syn123" in caplog.text
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", "wrong")
    with pytest.raises(DownloadError, match="access denied") as ei:
        download("synapse://syn123", tmp_path / "out" / "g2", sleep=nosleep)
    assert "wrong" not in str(ei.value)
    with pytest.raises(DownloadError, match="no such entity"):
        download("synapse://syn999", tmp_path / "out" / "g3", sleep=nosleep)
    assert leftovers(tmp_path / "out") == ["geno.vcf.gz"]


def test_synapse_token_missing(tmp_path, monkeypatch):
    monkeypatch.delenv("SYNAPSE_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("SYNAPSE_CONFIG", str(tmp_path / "absent"))
    with pytest.raises(DownloadError, match="SYNAPSE_AUTH_TOKEN"):
        download("synapse://syn123", tmp_path / "x", sleep=nosleep)
    assert leftovers(tmp_path) == []


def test_stale_partial_is_replaced(server, tmp_path):
    base, state = server
    dest = tmp_path / "s.bin"
    (tmp_path / ".s.bin.part").write_bytes(b"garbage from an older file")
    download(f"{base}/good.bin", dest, md5=MD5, sleep=nosleep)
    assert dest.read_bytes() == DATA and leftovers(tmp_path) == ["s.bin"]
    ranges = [r for p, r in state["ranges"] if p == "/good.bin"]
    assert ranges[0] is not None and ranges[-1] is None  # resumed first, then fresh


def test_ftp_path_retries_and_verifies(tmp_path, monkeypatch):
    import io
    import urllib.error
    import urllib.request

    calls = []

    class Resp(io.BytesIO):
        headers = {"Content-Length": str(len(DATA))}

    def fake_urlopen(url, timeout=None):
        calls.append(url)
        if len(calls) == 1:
            raise urllib.error.URLError(ConnectionResetError("reset by peer"))
        return Resp(DATA)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    out = download("ftp://ftp.example.org/pub/x.bin", tmp_path / "x.bin", md5=MD5, sleep=nosleep)
    assert out.read_bytes() == DATA and len(calls) == 2
    with pytest.raises(DownloadError, match="md5 mismatch"):
        download("ftp://ftp.example.org/pub/x.bin", tmp_path / "y.bin", md5="1" * 32, sleep=nosleep)
    assert leftovers(tmp_path) == ["x.bin"]
