"""Download verification (issue 20, defect 4) against the local server of tests/conftest.py: a checksum
that does not come from the downloaded bytes (pinned, or the publisher's list fetched through the
mirror), resume only with a checksum, and the bodies that used to pass with a warning: a spliced
resume, an HTML page served with 200, a truncated body without Content-Length, an empty body."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from regbench.config_checks import ConfigError, all_downloads, validate_config
from regbench.data import checksums as cks
from regbench.data.download import MIRROR_ENV, DownloadError, download, download_spec
from regbench.data.http import scrub_secrets

ROOT = Path(__file__).resolve().parents[2]
NEW = b"".join(b"chr1\t%d\tnew release line\n" % i for i in range(20000))  # ~500 kB
OLD = b"".join(b"chr1\t%d\told release line\n" % i for i in range(20000))
MD5_NEW = hashlib.md5(NEW).hexdigest()
HTML = (b"<!DOCTYPE html>\n<html><head><title>Sign in - Storage</title></head>"
        b"<body>Your session expired.</body></html>\n")


def nosleep(_):
    pass


def leftovers(d: Path):
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def _raw_body(body: bytes, status=200, content_type="application/octet-stream"):
    """A route that sends ``body`` with no Content-Length and closes the connection (HTTP/1.0 style)."""

    def route(h, n):
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()
        h.close_connection = True

    return route


def ranges(srv, path):
    return [r for p, r in srv.state.get("ranges", []) if p == path]


# ---------------------------------------------------------------------------------------------
# the four bodies of the issue


def test_spliced_resume_is_rejected_and_replaced(http_server, tmp_path):
    """A partial file left by an older release + a Range request to the new one = a spliced file:
    the pinned md5 rejects it, and one fresh transfer from byte 0 gives the new release."""
    http_server.routes["/data.tsv"] = lambda h, n: h.send_body(NEW)  # honours Range
    dest = tmp_path / "data.tsv"
    (tmp_path / ".data.tsv.part").write_bytes(OLD[: len(OLD) // 2])
    download(f"{http_server.base}/data.tsv", dest, md5=MD5_NEW, sleep=nosleep)
    assert dest.read_bytes() == NEW and leftovers(tmp_path) == ["data.tsv"]
    assert ranges(http_server, "/data.tsv") == [f"bytes={len(OLD) // 2}-", None]  # resumed, then from 0


def test_spliced_resume_never_survives_a_wrong_pin(http_server, tmp_path):
    http_server.routes["/data.tsv"] = lambda h, n: h.send_body(NEW)
    (tmp_path / ".data.tsv.part").write_bytes(OLD[: len(OLD) // 2])
    with pytest.raises(DownloadError, match="md5 mismatch"):
        download(f"{http_server.base}/data.tsv", tmp_path / "data.tsv", md5=hashlib.md5(OLD).hexdigest(), sleep=nosleep)
    assert leftovers(tmp_path) == []


def test_no_resume_without_a_checksum(http_server, tmp_path):
    """verify: false: a partial file is discarded, never resumed (nothing could catch a splice)."""
    http_server.routes["/data.tsv"] = lambda h, n: h.send_body(NEW)
    (tmp_path / ".data.tsv.part").write_bytes(OLD[:1000])
    download(f"{http_server.base}/data.tsv", tmp_path / "data.tsv", verify=False, sleep=nosleep)
    assert (tmp_path / "data.tsv").read_bytes() == NEW
    assert ranges(http_server, "/data.tsv") == [None]


@pytest.mark.parametrize("pin", [{"md5": MD5_NEW}, {"verify": False}], ids=["pinned", "unverified"])
def test_html_page_served_with_200_is_rejected(http_server, tmp_path, pin):
    http_server.routes["/genome.fa.gz"] = lambda h, n: h.send_body(HTML, content_type="text/html")
    with pytest.raises(DownloadError, match=r"HTML page \(title 'Sign in - Storage'\) instead of genome\.fa\.gz"):
        download(f"{http_server.base}/genome.fa.gz", tmp_path / "genome.fa.gz", sleep=nosleep, **pin)
    assert leftovers(tmp_path) == []


def test_truncated_body_without_content_length_is_rejected(http_server, tmp_path):
    http_server.routes["/data.tsv"] = _raw_body(NEW[: len(NEW) // 3])
    with pytest.raises(DownloadError, match=f"md5 mismatch: expected {MD5_NEW}"):
        download(f"{http_server.base}/data.tsv", tmp_path / "data.tsv", md5=MD5_NEW, sleep=nosleep)
    assert leftovers(tmp_path) == []


def test_truncated_body_without_content_length_is_retried_against_the_published_size(http_server, tmp_path):
    """With a known size (config `size`, or the publisher's) the short body is a transient failure:
    retried, and reported as short when it stays short."""
    http_server.routes["/data.tsv"] = _raw_body(NEW[:1000])
    with pytest.raises(DownloadError, match=f"failed after 3 attempts: incomplete body: 1000 of {len(NEW)} bytes"):
        download(f"{http_server.base}/data.tsv", tmp_path / "data.tsv", md5=MD5_NEW, size=len(NEW), retries=2, sleep=nosleep)
    assert http_server.state["/data.tsv"] == 3 and leftovers(tmp_path) == []


@pytest.mark.parametrize("pin", [{"md5": hashlib.md5(b"").hexdigest()}, {"verify": False}], ids=["md5-of-empty", "unverified"])
def test_empty_body_is_rejected(http_server, tmp_path, pin):
    http_server.routes["/data.tsv"] = lambda h, n: h.send_body(b"")
    with pytest.raises(DownloadError, match=r"empty body \(0 bytes\)"):
        download(f"{http_server.base}/data.tsv", tmp_path / "data.tsv", sleep=nosleep, **pin)
    assert leftovers(tmp_path) == []


def test_html_named_file_may_be_html(http_server, tmp_path):
    http_server.routes["/index.html"] = lambda h, n: h.send_body(HTML, content_type="text/html")
    download(f"{http_server.base}/index.html", tmp_path / "index.html", md5=hashlib.md5(HTML).hexdigest(), sleep=nosleep)


def test_no_checksum_source_fails_before_any_request(http_server, tmp_path):
    http_server.routes["/data.tsv"] = lambda h, n: h.send_body(NEW)
    with pytest.raises(DownloadError, match="no checksum source: pin md5, sha256 or git_sha1"):
        download(f"{http_server.base}/data.tsv", tmp_path / "data.tsv", sleep=nosleep)
    assert "/data.tsv" not in http_server.state and leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# where checksums come from


def test_checksum_source_decisions():
    S = cks.checksum_source
    assert S("https://x.org/a", {"sha256": "a" * 64}).kind == "pinned"
    assert S("https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz") == cks.Source(
        "ucsc", "https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/md5sum.txt")
    assert S("https://ftp.ebi.ac.uk/pub/databases/gencode/Gencode_human/release_27/gencode.v27.annotation.gtf.gz") == cks.Source(
        "gencode", "https://ftp.ebi.ac.uk/pub/databases/gencode/Gencode_human/release_27/MD5SUMS")
    assert S("encode://ENCFF356LFX.bed.gz") == S("https://www.encodeproject.org/files/ENCFF356LFX/@@download/ENCFF356LFX.bed.gz") == \
        cks.Source("encode", "https://www.encodeproject.org/files/ENCFF356LFX/?format=json")
    assert S("https://zenodo.org/records/10633252/files/train_sequences.txt?download=1") == S("zenodo://10633252/x") == \
        S("https://zenodo.org/record/10633252/files/y") == cks.Source("zenodo", "https://zenodo.org/api/records/10633252")
    assert S("https://huggingface.co/EleutherAI/enformer-official-rough/resolve/main/pytorch_model.bin") == cks.Source(
        "huggingface", "https://huggingface.co/api/models/EleutherAI/enformer-official-rough/revision/main?blobs=true")
    assert S("https://huggingface.co/datasets/o/d/resolve/abc/x/y.csv").lookup == "https://huggingface.co/api/datasets/o/d/revision/abc?blobs=true"
    assert S("synapse://syn123.4").lookup.endswith("/repo/v1/entity/syn123/version/4/filehandles")
    assert S("https://example.org/a.txt").kind == "none"
    commit = "1b40970e8dcddf31d07ccc4604a82afac8f49095"
    assert S(f"https://raw.githubusercontent.com/o/r/{commit}/a.txt").kind == "none"  # must be pinned
    with pytest.raises(DownloadError, match="must name a commit"):
        S("https://raw.githubusercontent.com/o/r/main/a.txt", {"md5": "0" * 32})
    with pytest.raises(DownloadError, match="must name a commit"):
        S("https://github.com/o/r/raw/master/a.txt")


@pytest.fixture()
def mirror(http_server, monkeypatch):
    monkeypatch.setenv(MIRROR_ENV, http_server.base)
    monkeypatch.delenv("SYNAPSE_REPO_ENDPOINT", raising=False)
    return http_server


def _md5sum_txt(entries):
    return "".join(f"{hashlib.md5(b).hexdigest()}  {name}\n" for name, b in entries).encode()


def test_ucsc_md5sum_txt(mirror, tmp_path):
    d = "/hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips"
    mirror.routes[f"{d}/md5sum.txt"] = lambda h, n: h.send_body(_md5sum_txt([("hg38.2bit", b"x"), ("hg38.fa.gz", NEW)]))
    mirror.routes[f"{d}/hg38.fa.gz"] = lambda h, n: h.send_body(NEW)
    mirror.routes[f"{d}/hg38.fa.masked.gz"] = lambda h, n: h.send_body(NEW)
    url = "https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz"
    download(url, tmp_path / "hg38.fa.gz", sleep=nosleep)
    assert (tmp_path / "hg38.fa.gz").read_bytes() == NEW
    with pytest.raises(DownloadError, match="md5sum.txt: no md5 listed for hg38.fa.masked.gz"):
        download(url.replace("hg38.fa.gz", "hg38.fa.masked.gz"), tmp_path / "m.fa.gz", sleep=nosleep)
    mirror.routes[f"{d}/hg38.fa.gz"] = lambda h, n: h.send_body(OLD)  # the file changed, the list did not
    with pytest.raises(DownloadError, match="md5 mismatch"):
        download(url, tmp_path / "again.fa.gz", sleep=nosleep)
    assert leftovers(tmp_path) == ["hg38.fa.gz"]


def test_gencode_md5sums(mirror, tmp_path):
    d = "/ftp.ebi.ac.uk/pub/databases/gencode/Gencode_human/release_27"
    mirror.routes[f"{d}/MD5SUMS"] = lambda h, n: h.send_body(_md5sum_txt([("gencode.v27.annotation.gtf.gz", NEW)]))
    mirror.routes[f"{d}/gencode.v27.annotation.gtf.gz"] = lambda h, n: h.send_body(NEW)
    download(f"https://ftp.ebi.ac.uk{d.split('ftp.ebi.ac.uk')[1]}/gencode.v27.annotation.gtf.gz", tmp_path / "g.gtf.gz", sleep=nosleep)
    assert (tmp_path / "g.gtf.gz").read_bytes() == NEW


@pytest.mark.parametrize("layout", ["list", "entries"])
def test_zenodo_api_checksum_and_size(mirror, tmp_path, layout):
    entry = {"key": "train.txt", "checksum": f"md5:{MD5_NEW}", "size": len(NEW)}
    files = [entry] if layout == "list" else {"enabled": True, "entries": {"train.txt": entry}}
    mirror.routes["/zenodo.org/api/records/77"] = lambda h, n: h.send_body(json.dumps({"files": files}).encode())
    mirror.routes["/zenodo.org/records/77/files/train.txt"] = lambda h, n: h.send_body(NEW, truncate_to=1000 if n == 0 else None)
    download("https://zenodo.org/records/77/files/train.txt?download=1", tmp_path / "t.txt", sleep=nosleep)
    assert (tmp_path / "t.txt").read_bytes() == NEW
    assert ranges(mirror, "/zenodo.org/records/77/files/train.txt?download=1") == [None, "bytes=1000-"]  # resumed: md5 known


def test_huggingface_lfs_sha256_and_blob_id(mirror, tmp_path):
    cfg = b'{"dim": 1536}\n'
    info = {"siblings": [
        {"rfilename": "config.json", "size": len(cfg), "blobId": cks.checksums_of(cfg)["git_sha1"]},
        {"rfilename": "pytorch_model.bin", "size": 134, "blobId": "0" * 40,
         "lfs": {"sha256": hashlib.sha256(NEW).hexdigest(), "size": len(NEW), "pointerSize": 134}},
    ]}
    repo = "/huggingface.co/EleutherAI/enformer-official-rough"
    mirror.routes["/huggingface.co/api/models/EleutherAI/enformer-official-rough/revision/main"] = \
        lambda h, n: h.send_body(json.dumps(info).encode())
    mirror.routes[f"{repo}/resolve/main/config.json"] = lambda h, n: h.send_body(cfg)
    mirror.routes[f"{repo}/resolve/main/pytorch_model.bin"] = lambda h, n: h.send_body(NEW)
    base = "https://huggingface.co/EleutherAI/enformer-official-rough/resolve/main"
    download(f"{base}/config.json", tmp_path / "config.json", sleep=nosleep)
    download(f"{base}/pytorch_model.bin", tmp_path / "pytorch_model.bin", sleep=nosleep)
    assert (tmp_path / "pytorch_model.bin").read_bytes() == NEW and (tmp_path / "config.json").read_bytes() == cfg
    mirror.routes[f"{repo}/resolve/main/pytorch_model.bin"] = lambda h, n: h.send_body(b"version https://git-lfs.github.com/spec/v1\n")
    with pytest.raises(DownloadError, match=f"short body: 43 bytes, expected {len(NEW)}"):
        download(f"{base}/pytorch_model.bin", tmp_path / "pointer.bin", retries=0, sleep=nosleep)


def test_git_sha1_matches_git_hash_object(tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git not installed")
    f = tmp_path / "blob.txt"
    f.write_bytes(NEW)
    want = subprocess.run([git, "hash-object", str(f)], capture_output=True, text=True, check=True).stdout.strip()
    assert cks.file_checksums(f)["git_sha1"] == want == cks.checksums_of(NEW)["git_sha1"]
    assert cks.file_checksums(f)["sha256"] == hashlib.sha256(NEW).hexdigest()


def test_pinned_git_sha1_download(http_server, tmp_path):
    http_server.routes["/blob.txt"] = lambda h, n: h.send_body(NEW)
    sha1 = cks.checksums_of(NEW)["git_sha1"]
    download_spec({"url": f"{http_server.base}/blob.txt", "git_sha1": sha1}, tmp_path / "ok.txt")
    with pytest.raises(DownloadError, match="git_sha1 mismatch"):
        download_spec({"url": f"{http_server.base}/blob.txt", "git_sha1": "1" * 40}, tmp_path / "bad.txt")
    assert leftovers(tmp_path) == ["ok.txt"]


# ---------------------------------------------------------------------------------------------
# the paper config and the parse-time check


#: paper downloads that cannot be pinned: an API answer with view counts (Zenodo); files whose
#: publishers list no checksum and that no stored copy pins (Eagle 2.4.1 archive, Basenji
#: sequences.bed and GTEx v8 files on Google storage, FANTOM5 CTSS files)
UNVERIFIED_PAPER_DOWNLOADS = [
    "personal/Eagle_v2.4.1.tar.gz",
    "personal/basenji/sequences_human.bed",
    "personal/gtex/GTEx_Analysis_2017-06-05_v8_RNASeQCv1.1.9_gene_tpm.gct.gz",
    "personal/gtex/GTEx_Analysis_v8_Annotations_SampleAttributesDS.txt",
    "synthetic_loci/basenji_mouse_sequences.bed",
    "synthetic_loci/fantom5/CNhs14104.mm10.ctss.bed.gz",
    "synthetic_loci/fantom5/CNhs14109.mm10.ctss.bed.gz",
    "synthetic_loci/zenodo_13363228.json",
]


def test_paper_config_has_a_checksum_source_for_every_download():
    paper = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    table = all_downloads(paper)
    assert len(table) >= 38
    assert cks.check_downloads(table) == []
    rows = cks.checksum_table(table)
    unverified = {r["relpath"]: r["note"] for r in rows if not r["verify"]}
    # every download without a checksum source is listed here on purpose, each with its reason
    assert sorted(unverified) == UNVERIFIED_PAPER_DOWNLOADS
    assert all(note.strip() for note in unverified.values()), unverified  # each says why
    github = [r for r in rows if "githubusercontent" in r["url"]]
    assert len(github) == 24 and all(r["source"] == "pinned" and r["pinned"].startswith("git_sha1:") for r in github)


def test_parse_time_check_rejects_an_unverifiable_download():
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    cfg["dream"]["downloads"] = {"dream/x.txt": {"url": "https://example.org/x.txt"}}
    with pytest.raises(ConfigError, match=r"dream/x.txt: no checksum source for https://example.org/x.txt"):
        validate_config(cfg)
    cfg["dream"]["downloads"] = {"dream/x.txt": {"url": "https://raw.githubusercontent.com/o/r/main/x.txt", "md5": "0" * 32}}
    with pytest.raises(ConfigError, match="must name a commit"):
        validate_config(cfg)
    cfg["dream"]["downloads"] = {"dream/x.txt": {"url": "https://example.org/x.txt", "verify": False}}
    validate_config(cfg)


def test_checksum_tables(tmp_path):
    paper = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    rows = cks.write_checksum_tables(all_downloads(paper), tmp_path / "c.tsv", tmp_path / "u.tsv")
    assert len((tmp_path / "c.tsv").read_text().splitlines()) == len(rows) + 1
    u = (tmp_path / "u.tsv").read_text().splitlines()
    assert u[0].split("\t") == cks.TABLE_COLUMNS
    assert sorted(line.split("\t")[0] for line in u[1:]) == UNVERIFIED_PAPER_DOWNLOADS


# ---------------------------------------------------------------------------------------------
# secrets (defect 10)


def test_presigned_url_signature_never_reaches_log_or_error(http_server, tmp_path, monkeypatch, caplog):
    secret_sig, token = "c2lnbmF0dXJlLXNlY3JldA", "syn-token-abc123"
    monkeypatch.setenv("SYNAPSE_REPO_ENDPOINT", http_server.base)
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", token)
    presigned = (f"http://127.0.0.1:1/bucket/geno.vcf.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                 f"&X-Amz-Credential=AKIAEXAMPLE%2F20240101&X-Amz-Signature={secret_sig}")
    http_server.routes["/repo/v1/entity/syn7/filehandles"] = lambda h, n: h.send_body(
        json.dumps({"list": [{"contentMd5": MD5_NEW, "fileName": "geno.vcf.gz"}]}).encode())
    http_server.routes["/repo/v1/entity/syn7/file"] = lambda h, n: h.send_body(presigned.encode())
    with caplog.at_level(logging.DEBUG), pytest.raises(DownloadError) as ei:
        download("synapse://syn7", tmp_path / "g.vcf.gz", retries=1, sleep=nosleep)  # storage host unreachable
    text = caplog.text + str(ei.value)
    assert "failed after 2 attempts" in str(ei.value) and "attempt 1/2 failed" in caplog.text
    assert secret_sig not in text and "AKIAEXAMPLE" not in text and token not in text
    assert "X-Amz-Signature=***" in text


def test_spec_without_url_does_not_echo_values(tmp_path):
    with pytest.raises(DownloadError) as ei:
        download_spec({"md5": "0" * 32, "token": "hunter2"}, tmp_path / "x")
    assert "without 'url'" in str(ei.value) and "hunter2" not in str(ei.value) and "token" in str(ei.value)


def test_scrub_secrets():
    s = scrub_secrets("https://u:pw@h/x?a=1&token=T0K&sig=S1G Authorization: Bearer abc.def", "lit")
    assert s == "https://***@h/x?a=1&token=***&sig=*** Authorization: Bearer ***"
