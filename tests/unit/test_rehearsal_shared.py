"""The shared generator's publisher-side files: UCSC md5sum.txt, the Hugging Face API listing,
git blob ids (against `git hash-object`), and checksum overrides for git_sha1/size pins."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest

from regbench.data.checksums import checksums_of
from regbench.rehearsal import driver, shared
from regbench.rehearsal.mirror import MirrorStore

HG38 = "https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz"
HF = "https://huggingface.co/EleutherAI/enformer-official-rough/resolve/main"


def test_hub_listing_blob_id_matches_git(tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git not installed")
    data = b"index\tgenome\n0\t0\n\x00binary"
    f = tmp_path / "x"
    f.write_bytes(data)
    want = subprocess.run([git, "hash-object", str(f)], capture_output=True, text=True, check=True).stdout.strip()
    store = MirrorStore(tmp_path / "m")
    shared.put_huggingface(store, {"https://huggingface.co/o/r/resolve/main/t.txt": data})
    listing = json.loads(store.path("https://huggingface.co/api/models/o/r/revision/main?blobs=true").read_text())
    assert listing["siblings"][0]["blobId"] == want


def test_put_ucsc_keeps_one_md5_list_per_folder(tmp_path):
    store = MirrorStore(tmp_path)
    shared.put_ucsc(store, HG38, b"genome-a")
    shared.put_ucsc(store, HG38.replace("hg38.fa.gz", "hg38.chrom.sizes"), b"chr1\t10\n")
    shared.put_ucsc(store, HG38, b"genome-b")  # replaced: listed once, new md5
    listing = store.path(HG38.rsplit("/", 1)[0] + "/md5sum.txt").read_text()
    assert listing == (f"{hashlib.md5(b'chr1' + bytes([9]) + b'10' + bytes([10])).hexdigest()}  hg38.chrom.sizes\n"
                       f"{hashlib.md5(b'genome-b').hexdigest()}  hg38.fa.gz\n")


def test_put_huggingface_api_listing(tmp_path):
    store = MirrorStore(tmp_path)
    weights, config = b"\x80weights" * 100, b'{"dim": 192}'
    shared.put_huggingface(store, {f"{HF}/pytorch_model.bin": weights, f"{HF}/config.json": config})
    api = "https://huggingface.co/api/models/EleutherAI/enformer-official-rough/revision/main?blobs=true"
    sibs = {s["rfilename"]: s for s in json.loads(store.path(api).read_text())["siblings"]}
    assert sibs["config.json"] == {"rfilename": "config.json", "size": len(config), "blobId": checksums_of(config)["git_sha1"]}
    lfs = sibs["pytorch_model.bin"]["lfs"]
    assert lfs["sha256"] == hashlib.sha256(weights).hexdigest() and lfs["size"] == len(weights)
    assert store.path(f"{HF}/pytorch_model.bin").read_bytes() == weights
    with pytest.raises(ValueError, match="not a Hugging Face resolve URL"):
        shared.put_huggingface(store, {"https://example.org/x.bin": b"x"})


def test_overrides_for_git_sha1_and_size_pins(tmp_path):
    store = MirrorStore(tmp_path)
    url = "https://raw.githubusercontent.com/calico/basenji/" + "a" * 40 + "/targets_human.txt"
    store.put(url, b"generated table\n")
    cfg = {"downloads": {"enformer/targets_human.txt": {"url": url, "git_sha1": "0" * 40, "size": 800919}}}
    got = driver.checksum_overrides(store, cfg, {})
    assert got == {"enformer/targets_human.txt": {"size": 16, "git_sha1": checksums_of(b"generated table\n")["git_sha1"]}}
    assert driver.checksum_overrides(store, {"downloads": {"enformer/targets_human.txt": {
        "url": url, "git_sha1": checksums_of(b"generated table\n")["git_sha1"], "size": 16}}}, {}) == {}


def test_rehearsal_enformer_is_sequence_dependent(tmp_path):
    """The mirrored Enformer has the official heads and crop, and its output depends on the
    sequence: track 4980 varies over the bins and a 128-bp change moves the bins over it
    (enformer-pytorch's own init gave std 4e-6 over bins and a 7e-6 change at 196,608 bp). On an
    8,192-bp input without the TF gammas to stay fast; the rehearsal runs the 196,608-bp path."""
    import torch

    from regbench.predict.enformer import load_enformer

    d = shared.build_enformer(42, tmp_path / "enf")
    cfg = json.loads((d / "config.json").read_text())
    assert (cfg["output_heads"], cfg["target_length"], cfg["dim"] // cfg["heads"]) == ({"human": 5313, "mouse": 1643}, 896, 192)
    m = load_enformer(d, use_tf_gamma=False, target_length=-1)
    g = torch.Generator().manual_seed(0)
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (1, 8192), generator=g), 4).float()
    x2 = x.clone()
    x2[0, 4096 - 64:4096 + 64] = torch.nn.functional.one_hot(torch.randint(0, 4, (128,), generator=g), 4).float()
    with torch.inference_mode():
        a, b = m(torch.cat([x, x2]))["human"][:, :, 4980]
    assert a.std() > 1e-2
    assert (a[31:33] - b[31:33]).abs().max() > 1e-3


def test_put_synapse_answers_the_real_client(tmp_path, monkeypatch):
    """regbench.data.synapse.resolve + download through the mirror get the stored file, its md5
    and size, with a token in the request (as for a real user)."""
    from regbench.data.download import download
    from regbench.data.synapse import resolve
    from regbench.rehearsal.mirror import start_in_thread

    store = MirrorStore(tmp_path / "m")
    data = b"##fileformat=VCFv4.2\n" * 50
    md5 = shared.put_synapse(store, "syn11707420.3", data, "chrAll.phased.vcf.gz")
    srv = start_in_thread(store.root)
    try:
        monkeypatch.setenv("REGBENCH_DOWNLOADS_MIRROR", srv.url)
        monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", "rehearsal-token")
        f = resolve("syn11707420.3")
        assert (f.md5, f.size, f.name) == (md5, len(data), "chrAll.phased.vcf.gz")
        dest = download("synapse://syn11707420.3", tmp_path / "x.vcf.gz", md5=md5, retries=0)
        assert dest.read_bytes() == data
        with pytest.raises(Exception, match="no such entity"):
            resolve("syn1")
    finally:
        srv.shutdown()
        srv.server_close()
