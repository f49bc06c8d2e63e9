"""The rehearsal mirror: store layout, request matching, and the HTTP server (range, query, POST,
HEAD, 404 + request log), answering exactly the URLs regbench.data.download.mirror_url produces."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from regbench.data.download import download, mirror_url
from regbench.rehearsal.mirror import MirrorStore, read_log, request_target, start_in_thread

UCSC = "https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz"
BODY = bytes(range(256)) * 40  # 10,240 bytes, every byte value


@pytest.fixture()
def mirror(tmp_path):
    store = MirrorStore(tmp_path / "mirror")
    srv = start_in_thread(store.root)
    yield store, srv
    srv.shutdown()
    srv.server_close()


def test_request_target_sorts_query_and_keeps_host():
    assert request_target("https://www.encodeproject.org/search/?type=File&format=json&a=1") == (
        "/www.encodeproject.org/search/?a=1&format=json&type=File"
    )
    assert request_target("/h/p?b=2&a=1") == "/h/p?a=1&b=2"


def test_get_whole_file_through_mirror_url(mirror):
    store, srv = mirror
    store.put(UCSC, BODY)
    url = mirror_url(UCSC, srv.url)
    assert url == f"{srv.url}/hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz"
    r = requests.get(url, timeout=10)
    assert r.status_code == 200
    assert r.content == BODY
    assert r.headers["Content-Length"] == str(len(BODY))
    assert r.headers["Accept-Ranges"] == "bytes"


def test_range_requests(mirror):
    store, srv = mirror
    store.put(UCSC, BODY)
    url = mirror_url(UCSC, srv.url)
    r = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=10)
    assert r.status_code == 206
    assert r.content == BODY[100:200]
    assert r.headers["Content-Range"] == f"bytes 100-199/{len(BODY)}"
    r = requests.get(url, headers={"Range": "bytes=10000-"}, timeout=10)
    assert (r.status_code, r.content) == (206, BODY[10000:])
    r = requests.get(url, headers={"Range": "bytes=-7"}, timeout=10)
    assert (r.status_code, r.content) == (206, BODY[-7:])
    r = requests.get(url, headers={"Range": f"bytes={len(BODY)}-"}, timeout=10)
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{len(BODY)}"


def test_resumed_download_through_the_mirror(mirror, tmp_path):
    """The real downloader resumes a partial file with a Range request against the mirror."""
    store, srv = mirror
    store.put(UCSC, BODY)
    dest = tmp_path / "dl" / "hg38.fa.gz"
    dest.parent.mkdir()
    (dest.parent / ".hg38.fa.gz.part").write_bytes(BODY[:4000])
    download(mirror_url(UCSC, srv.url), dest, md5=hashlib.md5(BODY).hexdigest(), retries=0)
    assert dest.read_bytes() == BODY
    assert ("GET", 206, "bytes=4000-") in [(e["method"], e["status"], e["range"]) for e in read_log(srv.log_path)]


def test_query_is_part_of_the_key_in_any_order(mirror):
    store, srv = mirror
    search = "https://www.encodeproject.org/search/?type=File&dataset=/experiments/ENCSR591PIX/&format=json"
    store.put(search, b'{"@graph": []}', content_type="application/json")
    store.put("https://www.encodeproject.org/search/?type=File&format=json", b'{"@graph": [1]}')
    r = requests.get(mirror_url(search, srv.url), timeout=10)
    assert (r.status_code, r.json()) == (200, {"@graph": []})
    assert r.headers["Content-Type"] == "application/json"
    reordered = f"{srv.url}/www.encodeproject.org/search/?format=json&dataset=/experiments/ENCSR591PIX/&type=File"
    assert requests.get(reordered, timeout=10).json() == {"@graph": []}
    other = requests.get(f"{srv.url}/www.encodeproject.org/search/?format=json&type=File", timeout=10)
    assert other.json() == {"@graph": [1]}
    assert requests.get(f"{srv.url}/www.encodeproject.org/search/", timeout=10).status_code == 404


def test_post_json_body_selects_the_answer(mirror):
    store, srv = mirror
    api = "https://repo-prod.prod.sagebase.org/repo/v1/entity/children"
    store.put(api, b'{"page": [{"id": "syn2"}]}', method="POST", body={"parentId": "syn1", "includeTypes": ["file"]})
    store.put(api, b'{"page": []}', method="POST", body={"parentId": "syn9", "includeTypes": ["file"]})
    url = mirror_url(api, srv.url)
    r = requests.post(url, data='{"includeTypes": ["file"],  "parentId": "syn1"}', timeout=10)  # other key order, spaces
    assert (r.status_code, r.json()) == (200, {"page": [{"id": "syn2"}]})
    assert requests.post(url, json={"parentId": "syn9", "includeTypes": ["file"]}, timeout=10).json() == {"page": []}
    assert requests.post(url, json={"parentId": "syn3", "includeTypes": ["file"]}, timeout=10).status_code == 404
    assert requests.get(url, timeout=10).status_code == 404  # a POST entry does not answer GET


def test_head_404_and_request_log(mirror):
    store, srv = mirror
    store.put(UCSC, BODY)
    url = mirror_url(UCSC, srv.url)
    r = requests.head(url, timeout=10)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["Content-Length"] == str(len(BODY))
    missing = mirror_url("https://hgdownload.soe.ucsc.edu/goldenPath/hg19/bigZips/hg19.fa.gz", srv.url)
    r = requests.get(missing, timeout=10)
    assert r.status_code == 404
    assert "hg19.fa.gz" in r.text
    log = read_log(srv.log_path)
    assert [(e["method"], e["status"]) for e in log] == [("HEAD", 200), ("GET", 404)]
    assert log[1]["target"] == "/hgdownload.soe.ucsc.edu/goldenPath/hg19/bigZips/hg19.fa.gz"


def test_file_and_folder_at_one_path(tmp_path):
    """Synapse answers /entity/syn1 and /entity/syn1/filehandles: a path that is also a folder."""
    store = MirrorStore(tmp_path)
    base = "https://repo-prod.prod.sagebase.org/repo/v1/entity/syn1"
    store.put(base, b"{}")
    store.put(base + "/filehandles", b'{"list": []}')
    src = tmp_path / "src.bin"
    src.write_bytes(b"x" * 10)
    store.put("https://host.example/dir/", src)  # a folder URL, from a file on disk
    assert store.path(base).read_bytes() == b"{}"
    assert store.path(base + "/filehandles").read_bytes() == b'{"list": []}'
    assert store.path("https://host.example/dir/").read_bytes() == b"x" * 10
    assert store.path("https://host.example/other") is None
    assert len(store.entries()) == 3


def test_put_rejects_bad_requests(tmp_path):
    store = MirrorStore(tmp_path)
    with pytest.raises(ValueError, match="only matched for POST"):
        store.put(UCSC, b"x", body={"a": 1})
    with pytest.raises(ValueError, match="not supported"):
        store.put(UCSC, b"x", method="PUT")
    with pytest.raises(ValueError, match="neither bytes nor an existing file"):
        store.put(UCSC, "some text")


def test_cli_serve_port_file_and_stop_by_pid(tmp_path):
    store = MirrorStore(tmp_path / "m")
    store.put(UCSC, BODY)
    port_file, pid_file = tmp_path / "port", tmp_path / "pid"
    proc = subprocess.Popen(
        [sys.executable, "-m", "regbench.rehearsal.mirror", "serve", "--root", str(store.root), "--port", "0",
         "--port-file", str(port_file), "--pid-file", str(pid_file)],
        stderr=subprocess.PIPE, env={**os.environ},
    )
    try:
        for _ in range(200):
            if port_file.exists():
                break
            time.sleep(0.05)
        port = int(port_file.read_text())
        assert int(pid_file.read_text()) == proc.pid
        r = requests.get(mirror_url(UCSC, f"http://127.0.0.1:{port}"), timeout=10)
        assert r.content == BODY
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert read_log(store.root / "requests.log")[0]["status"] == 200
