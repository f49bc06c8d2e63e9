"""Files inside Synapse folders by name (synapse://syn<folder>/<name>) against a fake Synapse:
POST /repo/v1/entity/children (paged), then the file entity's filehandles and presigned URL."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading

import pytest

from regbench.data.download import DownloadError, download
from regbench.data.synapse import list_children, resolve_path

TOKEN = "tok-123"
BODY = b"##fileformat=VCFv4.2\n" * 100
MD5 = hashlib.md5(BODY).hexdigest()
CHILDREN = {
    "syn100": [{"id": "syn101", "name": "chr1.vcf.gz", "type": "org.sagebionetworks.repo.model.FileEntity"},
               {"id": "syn102", "name": "chr2.vcf.gz", "type": "org.sagebionetworks.repo.model.FileEntity"},
               {"id": "syn103", "name": "rnaseq", "type": "org.sagebionetworks.repo.model.Folder"}],
    "syn103": [{"id": "syn104", "name": "counts.txt.gz", "type": "org.sagebionetworks.repo.model.FileEntity"}],
}


class FakeSynapse(http.server.BaseHTTPRequestHandler):
    posts: list = []

    def log_message(self, *a):
        pass

    def _send(self, code, body: bytes, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        req = json.loads(self.rfile.read(n))
        self.posts.append(req)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, b"{}")
        if self.path != "/repo/v1/entity/children" or req["parentId"] not in CHILDREN:
            return self._send(404, b"{}")
        kids = CHILDREN[req["parentId"]]
        page = int(req.get("nextPageToken") or 0)  # one child per page: exercises paging
        body = {"page": kids[page:page + 1]}
        if page + 1 < len(kids):
            body["nextPageToken"] = str(page + 1)
        self._send(200, json.dumps(body).encode())

    def do_GET(self):
        if self.path.startswith("/presigned/"):
            return self._send(200, BODY, "application/octet-stream")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, b"{}")
        parts = self.path.split("?")[0].split("/")
        syn = parts[4] if len(parts) > 4 else ""
        if self.path.endswith("/filehandles"):
            return self._send(200, json.dumps({"list": [{"contentMd5": MD5, "fileName": f"{syn}.bin"}]}).encode())
        if "/file" in self.path:
            return self._send(200, f"http://127.0.0.1:{self.server.server_port}/presigned/{syn}".encode(), "text/plain")
        return self._send(404, b"{}")


@pytest.fixture()
def synapse(monkeypatch):
    FakeSynapse.posts = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeSynapse)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{srv.server_port}"
    monkeypatch.setenv("SYNAPSE_REPO_ENDPOINT", base)
    monkeypatch.setenv("SYNAPSE_AUTH_TOKEN", TOKEN)
    yield base
    srv.shutdown()
    srv.server_close()


def test_resolve_file_in_folder_and_subfolder(synapse):
    assert [c["name"] for c in list_children("syn100")] == ["chr1.vcf.gz", "chr2.vcf.gz", "rnaseq"]
    assert len(FakeSynapse.posts) == 3 and FakeSynapse.posts[1]["nextPageToken"] == "1"
    assert FakeSynapse.posts[0]["includeTypes"] == ["file", "folder"]
    assert resolve_path("syn100/chr2.vcf.gz") == "syn102"
    assert resolve_path("syn100/rnaseq/counts.txt.gz") == "syn104"
    assert resolve_path("syn555") == "syn555"
    with pytest.raises(DownloadError, match="no entity named 'chr9.vcf.gz' in syn100.*chr1.vcf.gz, chr2.vcf.gz, rnaseq"):
        resolve_path("syn100/chr9.vcf.gz")
    with pytest.raises(DownloadError, match="is a .*Folder, not a file"):
        resolve_path("syn100/rnaseq")


def test_download_by_folder_and_name_md5_checked(synapse, tmp_path):
    out = download("synapse://syn100/chr1.vcf.gz", tmp_path / "chr1.vcf.gz", retries=0)
    assert out.read_bytes() == BODY
    with pytest.raises(DownloadError, match="no entity named"):
        download("synapse://syn100/missing.vcf.gz", tmp_path / "m.vcf.gz", retries=0)
    assert not (tmp_path / "m.vcf.gz").exists()


def test_folder_listing_goes_through_the_mirror(synapse, tmp_path, monkeypatch):
    # with a download mirror the API host becomes the first path segment on the mirror
    monkeypatch.setenv("SYNAPSE_REPO_ENDPOINT", "https://repo-prod.prod.sagebase.org")
    monkeypatch.setenv("REGBENCH_DOWNLOADS_MIRROR", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(DownloadError, match="listing the folder failed"):
        list_children("syn100", timeout=2)
