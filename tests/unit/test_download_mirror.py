"""The download mirror (config ``downloads_mirror`` -> env REGBENCH_DOWNLOADS_MIRROR): every request
the library makes (file bodies, ENCODE search and metadata, Zenodo API, Synapse API and the
presigned storage URL) goes to ``<mirror>/<host>/<path>``; the local server of tests/conftest.py
plays the mirror and 404s anything else, and the request log proves which paths were asked."""

from __future__ import annotations

import hashlib
import json

import pytest

from regbench.data import download as dl
from regbench.data import encode as enc

DATA = b"mirrored bytes\n" * 1000
MD5 = hashlib.md5(DATA).hexdigest()
TOKEN = "mirror-test-token"


def nosleep(_):
    pass


@pytest.fixture()
def mirror(http_server, monkeypatch):
    monkeypatch.setenv(dl.MIRROR_ENV, http_server.base)
    monkeypatch.delenv("SYNAPSE_REPO_ENDPOINT", raising=False)
    return http_server


def asked(srv):
    return [p for p in srv.state if isinstance(p, str) and p != "ranges"]


def test_mirror_url_mapping():
    m = "http://127.0.0.1:8765"
    assert dl.mirror_url("https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz", m) == \
        f"{m}/hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz"
    assert dl.mirror_url("https://zenodo.org/records/1/files/a.txt?download=1", m) == f"{m}/zenodo.org/records/1/files/a.txt?download=1"
    assert dl.mirror_url("ftp://ftp.ebi.ac.uk/pub/x.gtf.gz", m + "/") == f"{m}/ftp.ebi.ac.uk/pub/x.gtf.gz"
    assert dl.mirror_url("file:///tmp/x", m) == "file:///tmp/x"
    assert dl.mirror_url(f"{m}/host/x", m) == f"{m}/host/x"  # already on the mirror
    assert dl.mirror_url("https://host/x", "") == "https://host/x"


def test_http_and_ftp_files_come_from_the_mirror(mirror, tmp_path):
    mirror.routes["/files.example.org/data/x.bin"] = lambda h, n: h.send_body(DATA)
    mirror.routes["/ftp.example.org/pub/y.bin"] = lambda h, n: h.send_body(DATA)
    assert dl.download("https://files.example.org/data/x.bin", tmp_path / "x.bin", md5=MD5, sleep=nosleep).read_bytes() == DATA
    assert dl.download("ftp://ftp.example.org/pub/y.bin", tmp_path / "y.bin", md5=MD5, sleep=nosleep).read_bytes() == DATA
    assert asked(mirror) == ["/files.example.org/data/x.bin", "/ftp.example.org/pub/y.bin"]


def test_encode_and_zenodo_lookups_come_from_the_mirror(mirror, tmp_path):
    mirror.routes["/www.encodeproject.org/files/ENCFF000AAA/"] = lambda h, n: h.send_body(json.dumps({"md5sum": MD5}).encode())
    mirror.routes["/www.encodeproject.org/files/ENCFF000AAA/@@download/ENCFF000AAA.bed.gz"] = lambda h, n: h.send_body(DATA)
    rec = {"files": [{"key": "w.h5", "checksum": f"md5:{MD5}"}]}
    mirror.routes["/zenodo.org/api/records/42"] = lambda h, n: h.send_body(json.dumps(rec).encode())
    mirror.routes["/zenodo.org/records/42/files/w.h5"] = lambda h, n: h.send_body(DATA)
    assert dl.encode_md5("ENCFF000AAA") == MD5
    assert dl.zenodo_md5(42, "w.h5") == MD5
    dl.download("encode://ENCFF000AAA.bed.gz", tmp_path / "e.bed.gz", sleep=nosleep)  # md5 looked up via the mirror
    dl.download("zenodo://42/w.h5", tmp_path / "w.h5", md5=MD5, sleep=nosleep)
    assert (tmp_path / "e.bed.gz").read_bytes() == DATA == (tmp_path / "w.h5").read_bytes()
    assert all(p.startswith(("/www.encodeproject.org/", "/zenodo.org/")) for p in asked(mirror)), asked(mirror)
    assert "/zenodo.org/records/42/files/w.h5?download=1" in asked(mirror)


def test_synapse_api_and_presigned_url_come_from_the_mirror(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", TOKEN)
    api = "/repo-prod.prod.sagebase.org/repo/v1/entity/syn5"

    def filehandles(h, n):
        assert h.headers.get("Authorization") == f"Bearer {TOKEN}"
        h.send_body(json.dumps({"list": [{"contentMd5": MD5, "fileName": "g.vcf.gz"}]}).encode())

    mirror.routes[f"{api}/filehandles"] = filehandles
    mirror.routes[f"{api}/file"] = lambda h, n: h.send_body(b"https://bucket.s3.amazonaws.com/k/g.vcf.gz?X-Amz-Signature=abc")
    mirror.routes["/bucket.s3.amazonaws.com/k/g.vcf.gz"] = lambda h, n: h.send_body(DATA)
    assert dl.download("synapse://syn5", tmp_path / "g.vcf.gz", sleep=nosleep).read_bytes() == DATA
    assert asked(mirror) == [f"{api}/filehandles", f"{api}/file?redirect=false",
                             "/bucket.s3.amazonaws.com/k/g.vcf.gz?X-Amz-Signature=abc"]


def test_encode_resolver_goes_through_the_mirror(mirror, tmp_path):
    rec = {"accession": "ENCFF001FCA", "output_type": "fold change over control", "file_format": "bigWig",
           "biological_replicates": [1], "assembly": "GRCh38", "status": "released",
           "dataset": "/experiments/ENCSR000AAA/", "md5sum": MD5, "file_size": len(DATA),
           "href": "/files/ENCFF001FCA/@@download/ENCFF001FCA.bigWig", "date_created": "2021-01-01"}
    host = "/www.encodeproject.org"
    mirror.routes[f"{host}/search/"] = lambda h, n: h.send_body(json.dumps({"@graph": [rec]}).encode())
    mirror.routes[f"{host}{rec['href']}"] = lambda h, n: h.send_body(DATA)
    out = enc.fetch_encode_file(enc.FileRequest("ENCSR000AAA", "fc", 1), tmp_path / "a.bigWig",
                                tmp_path / "a.bigWig.encode.json", sleep=nosleep)
    assert (tmp_path / "a.bigWig").read_bytes() == DATA
    assert out["url"] == "https://www.encodeproject.org/files/ENCFF001FCA/@@download/ENCFF001FCA.bigWig"  # provenance: the real URL
    assert all(p.startswith(host + "/") for p in asked(mirror)) and len(asked(mirror)) == 2
