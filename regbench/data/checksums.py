"""Where the checksum of a download comes from, and checking a downloaded file against it.

A checksum read from the same byte stream as the file proves nothing, so every download is checked
against a value that comes from elsewhere: pinned in the config, or published by the file's
publisher next to it. :func:`checksum_source` is the one place that decides which (from the URL
and the pinned values, without network); :func:`plan` fetches the publisher's value.

=================  ===============================================================  =====================
source             URL it applies to                                                checksum read from
=================  ===============================================================  =====================
``pinned``         any URL with ``md5`` / ``sha256`` / ``git_sha1`` in the config   the config
``ucsc``           ``https://hgdownload.{soe,cse,gi}.ucsc.edu/<dir>/<file>``          ``<dir>/md5sum.txt`` (md5)
``gencode``        ``{https,ftp}://ftp.ebi.ac.uk/pub/databases/gencode/<dir>/<file>``  ``<dir>/MD5SUMS`` (md5)
``encode``         ``encode://ENCFF..<.ext>``,                                       ``https://www.encodeproject.org/files/<ENCFF>/?format=json``
                   ``https://www.encodeproject.org/files/<ENCFF>/@@download/...``      (``md5sum``, ``file_size``)
``zenodo``         ``zenodo://<rec>/<name>``, ``https://zenodo.org/record(s)/<rec>/``  ``https://zenodo.org/api/records/<rec>``
                   ``files/<name>[?download=1]``                                     (``files[key=<name>].checksum`` ``md5:..``, ``size``)
``synapse``        ``synapse://syn123[.v]``                                          ``<api>/repo/v1/entity/<syn>[/version/<v>]/filehandles``
                                                                                     (``contentMd5``, ``contentSize``)
``huggingface``    ``https://huggingface.co/[datasets/]<repo>/resolve/<rev>/<path>``   ``https://huggingface.co/api/{models,datasets}/<repo>/revision/<rev>?blobs=true``
                                                                                     (``siblings[rfilename=<path>]``: ``lfs.sha256`` + ``lfs.size``,
                                                                                     else ``blobId`` = git blob SHA-1 + ``size``)
``none``           anything else: must be pinned, or say ``verify: false``
=================  ===============================================================  =====================

GitHub raw URLs (``raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>``, ``github.com/.../raw/
<ref>/...``) must name a commit (40 hex digits) and be pinned (``git_sha1`` = the blob id that
``git ls-tree`` prints, or ``sha256``): a branch name would let the file change under the checksum.
All lookups go through :func:`regbench.data.http.http_get` (the download mirror applies).

``git_sha1`` is git's blob id: SHA-1 of ``b"blob <size>\\0" + content``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from regbench.data.http import DownloadError, fetch_text, scrub_secrets

KINDS = ("md5", "sha256", "git_sha1")
HEX_LEN = {"md5": 32, "sha256": 64, "git_sha1": 40}
ENCODE_BASE = "https://www.encodeproject.org"
ZENODO_BASE = "https://zenodo.org"
HF_BASE = "https://huggingface.co"
UCSC_HOSTS = {"hgdownload.soe.ucsc.edu", "hgdownload.cse.ucsc.edu", "hgdownload.gi.ucsc.edu"}
CHUNK = 1 << 20

_COMMIT = re.compile(r"[0-9a-f]{40}")
_ENCFF = re.compile(r"^/files/(ENC[A-Z]{2}\d{3}[A-Z]{3})/@@download/")
_ZENODO = re.compile(r"^/records?/(\d+)/files/([^?]+)")
_HF = re.compile(r"^/(?:(datasets|spaces)/)?([^/]+(?:/[^/]+)?)/resolve/([^/]+)/(.+)$")
_GH_RAW = re.compile(r"^/([^/]+)/([^/]+)/([^/]+)/(.+)$")
_GH_BLOB_RAW = re.compile(r"^/([^/]+)/([^/]+)/raw/([^/]+)/(.+)$")


@dataclass(frozen=True)
class Source:
    """Where the checksum of one download comes from: ``kind`` (see the module table) and
    ``lookup``, the URL the publisher's value is read from (None for ``pinned`` and ``none``)."""

    kind: str
    lookup: str | None = None

    def describe(self) -> str:
        if self.kind == "pinned":
            return "pinned in the config"
        if self.kind == "none":
            return "none"
        return f"{self.kind} ({self.lookup})"


@dataclass
class Plan:
    """What to fetch and what it must match. ``url``: the fetchable http(s)/ftp/file URL (for
    Synapse a presigned URL: a secret); ``expected``: kind -> lower-case hex (empty when
    unverified); ``size``: expected bytes or None."""

    url: str
    expected: dict = field(default_factory=dict)
    size: int | None = None
    source: Source = Source("none")


def pinned_values(spec: Mapping | None) -> dict:
    """The pinned checksums of a download entry, ``{kind: lower-case hex}`` (validated)."""
    out = {}
    for k in KINDS:
        v = (spec or {}).get(k)
        if v:
            v = str(v).strip().lower()
            if not re.fullmatch(f"[0-9a-f]{{{HEX_LEN[k]}}}", v):
                raise DownloadError(f"{k} {v!r}: expected {HEX_LEN[k]} hex digits")
            out[k] = v
    return out


def github_raw(url: str) -> tuple[str, str, str, str] | None:
    """(owner, repo, ref, path) of a GitHub raw-file URL, else None."""
    p = urllib.parse.urlsplit(url)
    if p.netloc == "raw.githubusercontent.com":
        m = _GH_RAW.match(p.path)
    elif p.netloc in ("github.com", "www.github.com"):
        m = _GH_BLOB_RAW.match(p.path)
    else:
        return None
    return m.groups() if m else None


def checksum_source(url: str, spec: Mapping | None = None) -> Source:
    """The one decision of where the checksum of a download comes from (no network).

    ``spec``: the config entry (pinned ``md5``/``sha256``/``git_sha1`` win over any publisher).
    Raises :class:`DownloadError` for a GitHub raw URL that does not name a commit. Returns
    ``Source("none")`` when there is no source; :func:`plan` then fails unless ``verify: false``.
    """
    gh = github_raw(url)
    if gh and not _COMMIT.fullmatch(gh[2]):
        raise DownloadError(f"{url}: a GitHub raw URL must name a commit (40 hex digits) so the file cannot change "
                            f"under its checksum, not {gh[2]!r}; find it with `git log -1 --format=%H -- {gh[3]}`")
    if pinned_values(spec):
        return Source("pinned")
    scheme, _, rest = url.partition("://")
    if scheme == "encode":
        return Source("encode", f"{ENCODE_BASE}/files/{rest.partition('.')[0]}/?format=json")
    if scheme == "zenodo":
        rec = rest.partition("/")[0]
        return Source("zenodo", f"{ZENODO_BASE}/api/records/{rec}")
    if scheme == "synapse":
        from regbench.data import synapse

        return Source("synapse", f"{synapse.api_base()}{synapse.entity_path(rest)}/filehandles")
    p = urllib.parse.urlsplit(url)
    directory = p.path.rsplit("/", 1)[0]
    if scheme in ("http", "https") and p.netloc in UCSC_HOSTS:
        return Source("ucsc", f"{scheme}://{p.netloc}{directory}/md5sum.txt")
    if scheme in ("http", "https", "ftp") and p.netloc == "ftp.ebi.ac.uk" and "/pub/databases/gencode/" in p.path:
        return Source("gencode", f"{scheme}://{p.netloc}{directory}/MD5SUMS")
    if p.netloc == "www.encodeproject.org" and (m := _ENCFF.match(p.path)):
        return Source("encode", f"{ENCODE_BASE}/files/{m.group(1)}/?format=json")
    if p.netloc == "zenodo.org" and (m := _ZENODO.match(p.path)):
        return Source("zenodo", f"{ZENODO_BASE}/api/records/{m.group(1)}")
    if p.netloc == "huggingface.co" and (m := _HF.match(p.path)):
        kind, repo, rev = m.group(1) or "models", m.group(2), m.group(3)
        return Source("huggingface", f"{HF_BASE}/api/{kind}/{repo}/revision/{rev}?blobs=true")
    return Source("none")


def fetch_url(url: str) -> str:
    """The http(s) URL of an ``encode://ACC.ext`` or ``zenodo://rec/name`` URL; others unchanged
    (``synapse://`` is resolved by :func:`plan`)."""
    scheme, _, rest = url.partition("://")
    if scheme == "encode":
        acc, _, ext = rest.partition(".")
        return f"{ENCODE_BASE}/files/{acc}/@@download/{acc}.{ext.lstrip('.')}"
    if scheme == "zenodo":
        rec, _, name = rest.partition("/")
        return f"{ZENODO_BASE}/records/{rec}/files/{urllib.parse.quote(name)}?download=1"
    return url


def _file_name(url: str) -> str:
    scheme, _, rest = url.partition("://")
    if scheme == "zenodo":
        return rest.partition("/")[2]
    if scheme == "encode":
        return rest
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])


def _json(url: str, timeout: float) -> dict:
    text = fetch_text(url, timeout=timeout, headers={"Accept": "application/json"})
    try:
        out = json.loads(text)
    except ValueError as e:
        raise DownloadError(f"{url}: the answer is not JSON ({e})") from None
    if not isinstance(out, dict):
        raise DownloadError(f"{url}: expected a JSON object, found {type(out).__name__}")
    return out


def parse_md5_list(text: str, name: str, where: str) -> str:
    """The md5 of ``name`` in an ``md5sum``-format list (``<md5>  <name>`` or ``<md5> *<name>``)."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and re.fullmatch(r"[0-9a-fA-F]{32}", parts[0]):
            listed = " ".join(parts[1:]).lstrip("*")
            if listed == name or listed.endswith("/" + name):
                return parts[0].lower()
    raise DownloadError(f"{where}: no md5 listed for {name}")


def publisher_checksums(source: Source, url: str, timeout: float = 60.0) -> tuple[dict, int | None]:
    """``({kind: hex}, size or None)`` published for ``url`` by ``source`` (network)."""
    name = _file_name(url)
    if source.kind in ("ucsc", "gencode"):
        return {"md5": parse_md5_list(fetch_text(source.lookup, timeout=timeout), name, source.lookup)}, None
    if source.kind == "encode":
        rec = _json(source.lookup, timeout)
        if not rec.get("md5sum"):
            raise DownloadError(f"{source.lookup}: no md5sum field")
        size = rec.get("file_size")
        return {"md5": str(rec["md5sum"]).lower()}, int(size) if size else None
    if source.kind == "zenodo":
        rec = _json(source.lookup, timeout)
        files = rec.get("files", [])
        if isinstance(files, dict):  # InvenioRDM layout {"entries": {key: {...}}}
            files = list((files.get("entries") or {}).values())
        for f in files:
            if isinstance(f, dict) and f.get("key") == name:
                algo, _, value = str(f.get("checksum", "")).partition(":")
                if algo == "md5" and value:
                    size = f.get("size")
                    return {"md5": value.lower()}, int(size) if size else None
        raise DownloadError(f"{source.lookup}: no md5 checksum listed for {name}")
    if source.kind == "huggingface":
        path = _HF.match(urllib.parse.urlsplit(url).path).group(4)
        info = _json(source.lookup, timeout)
        for s in info.get("siblings", []):
            if isinstance(s, dict) and s.get("rfilename") == path:
                lfs = s.get("lfs") or {}
                if lfs.get("sha256"):
                    return {"sha256": str(lfs["sha256"]).lower()}, int(lfs["size"]) if lfs.get("size") else None
                if s.get("blobId"):
                    return {"git_sha1": str(s["blobId"]).lower()}, int(s["size"]) if s.get("size") else None
        raise DownloadError(f"{source.lookup}: no sha256 or blob id listed for {path}")
    raise DownloadError(f"{url}: no publisher checksum for source {source.kind!r}")


def plan(url: str, spec: Mapping | None = None, verify: bool = True, timeout: float = 60.0,
         log: logging.Logger | None = None) -> Plan:
    """What to fetch for ``url`` and the checksums and size it must match.

    Pinned values (``spec``) win; otherwise the publisher's (:func:`checksum_source`). With no
    source, :class:`DownloadError` unless ``verify`` is False (then nothing is checked but the body
    being non-empty and not an HTML page). Synapse entities are resolved to their presigned URL."""
    log = log or logging.getLogger(__name__)
    source = checksum_source(url, spec)
    expected = pinned_values(spec)
    size = (spec or {}).get("size")
    size = int(size) if size else None
    target = fetch_url(url)
    if url.startswith("synapse://"):
        from regbench.data import synapse

        sf = synapse.resolve(url.partition("://")[2], timeout=timeout)
        target = sf.url
        log.info("%s -> file %s (md5 %s, %s bytes)", url, sf.name, sf.md5 or "unknown", sf.size)
        if source.kind == "synapse" and verify:
            if not sf.md5:
                raise DownloadError(f"{url}: Synapse lists no contentMd5 for this file; pin md5 or sha256 in the config")
            expected = {"md5": sf.md5.lower()}
            size = size or sf.size
    elif source.kind not in ("pinned", "none") and verify:
        expected, published_size = publisher_checksums(source, url, timeout)
        size = size or published_size
        log.info("%s: %s from %s", url, ", ".join(f"{k} {v}" for k, v in expected.items()), source.lookup)
    if not verify:
        log.warning("%s: not verified (verify: false in the config); listed in results/downloads/unverified.tsv", url)
        return Plan(target, {}, size, Source("none"))
    if not expected:
        raise DownloadError(
            f"{url}: no checksum source: pin md5, sha256 or git_sha1 in the config, use a URL whose "
            "publisher lists checksums (UCSC md5sum.txt, GENCODE MD5SUMS, ENCODE, Zenodo, Synapse, "
            "Hugging Face), or set verify: false (the file is then listed as unverified)")
    return Plan(target, expected, size, source)


# ---------------------------------------------------------------------------------------------
# hashing and body checks


def _hashers(kinds):
    return {k: (hashlib.sha1() if k == "git_sha1" else hashlib.new(k)) for k in kinds}


def file_checksums(path: str | Path, kinds=KINDS) -> dict:
    """``{kind: hex}`` of a file (``git_sha1`` = git blob id), read once in 1-MiB chunks."""
    path = Path(path)
    hs = _hashers(kinds)
    if "git_sha1" in hs:
        hs["git_sha1"].update(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as fh:
        while b := fh.read(CHUNK):
            for h in hs.values():
                h.update(b)
    return {k: h.hexdigest() for k, h in hs.items()}


def checksums_of(data: bytes) -> dict:
    """``{"md5", "sha256", "git_sha1"}`` of bytes: e.g. the rehearsal's overrides for generated
    content replacing every pinned kind of an entry."""
    return {"md5": hashlib.md5(data).hexdigest(), "sha256": hashlib.sha256(data).hexdigest(),
            "git_sha1": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()}


_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)


def check_body(path: str | Path, name: str, size: int | None = None) -> None:
    """Reject an empty body, an HTML page where a data file was expected, and a size other than
    ``size`` (when known) with :class:`DownloadError`."""
    path = Path(path)
    n = path.stat().st_size
    if n == 0:
        raise DownloadError("empty body (0 bytes)")
    if not name.lower().endswith((".html", ".htm")):
        with open(path, "rb") as fh:
            head = fh.read(1024)
        if _HTML.match(head):
            title = re.search(rb"<title>(.*?)</title>", head, re.IGNORECASE | re.DOTALL)
            shown = f" (title {title.group(1).decode('utf-8', 'replace').strip()[:80]!r})" if title else ""
            raise DownloadError(f"the server sent an HTML page{shown} instead of {name}: {n} bytes starting "
                                f"{scrub_secrets(head[:40].decode('utf-8', 'replace'))!r}")
    if size is not None and n != size:
        raise DownloadError(f"{'short' if n < size else 'long'} body: {n} bytes, expected {size}")


def verify_file(path: str | Path, expected: Mapping[str, str]) -> None:
    """Compare a file with every expected checksum; DownloadError on the first mismatch."""
    if not expected:
        return
    got = file_checksums(path, tuple(expected))
    for k, want in expected.items():
        if got[k] != want.strip().lower():
            raise DownloadError(f"{k} mismatch: expected {want.strip().lower()}, got {got[k]}")


# ---------------------------------------------------------------------------------------------
# the table of every configured download


TABLE_COLUMNS = ["relpath", "url", "source", "checksum_from", "pinned", "verify", "note"]


def checksum_table(downloads: Mapping[str, Mapping]) -> list[dict]:
    """One row per configured download (columns :data:`TABLE_COLUMNS`): where its checksum comes
    from; ``verify`` False rows are the unverified files the report lists."""
    rows = []
    for rel, spec in sorted(downloads.items()):
        verify = bool(spec.get("verify", True))
        src = checksum_source(spec["url"], spec)
        rows.append({
            "relpath": rel, "url": spec["url"],
            "source": src.kind if verify else "unverified (verify: false)",
            "checksum_from": ("config" if src.kind == "pinned" else src.lookup or "") if verify else "",
            "pinned": ", ".join(f"{k}:{v}" for k, v in pinned_values(spec).items()),
            "verify": verify, "note": spec.get("note", ""),
        })
    return rows


def check_downloads(downloads: Mapping[str, Mapping]) -> list[str]:
    """Problems of a downloads table without network: no checksum source and not ``verify:
    false``, a GitHub raw URL without a commit, a malformed pinned value. Empty = fine."""
    problems = []
    for rel, spec in sorted(downloads.items()):
        try:
            src = checksum_source(spec["url"], spec)
        except DownloadError as e:
            problems.append(f"{rel}: {e}")
            continue
        if src.kind == "none" and spec.get("verify", True):
            problems.append(f"{rel}: no checksum source for {spec['url']} (pin md5/sha256/git_sha1, or verify: false)")
    return problems


def write_checksum_tables(downloads: Mapping[str, Mapping], table: str | Path, unverified: str | Path) -> list[dict]:
    """Write :func:`checksum_table` to ``table`` and its ``verify: false`` rows to ``unverified``
    (TSV with a header, atomically). Returns the rows."""
    import csv

    from regbench.workflow import atomic_path

    rows = checksum_table(downloads)
    for path, subset in ((table, rows), (unverified, [r for r in rows if not r["verify"]])):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
            w = csv.DictWriter(fh, TABLE_COLUMNS, delimiter="\t", lineterminator="\n")
            w.writeheader()
            w.writerows(subset)
    return rows
