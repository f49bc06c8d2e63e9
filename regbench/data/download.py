"""Verified, resumable, atomic downloads (http(s), ftp, file, synapse, zenodo, encode).

``download(url, dest, md5=None, sha256=None, git_sha1=None, size=None, verify=True, ...)``:

1. :func:`regbench.data.checksums.plan` decides what the file must match: the pinned checksums,
   else the publisher's own (UCSC ``md5sum.txt``, GENCODE ``MD5SUMS``, ENCODE file md5, Zenodo API,
   Synapse file handle, Hugging Face LFS sha256 / blob id; the table is in that module). With no
   source the download fails before any transfer, unless ``verify=False``.
2. The body goes to ``.<name>.part`` next to ``dest``. An interrupted HTTP transfer is resumed with
   a ``Range`` request only when a checksum is known (a partial file from an older version is then
   caught: after a resumed transfer fails the check, one fresh transfer from byte 0 follows);
   without one the partial file is discarded. Transient failures (connection errors, timeouts, HTTP
   429/5xx, bodies shorter than Content-Length / Content-Range / the published size) are retried
   with exponential backoff.
3. The body is rejected when empty, when it is an HTML page (an error or login page served with
   HTTP 200) or when its size differs from the known size; then every expected checksum is checked.
4. Only then is it renamed onto ``dest``. On a final failure the partial file is removed and
   :class:`DownloadError` names the URL, the destination and the cause.

Every request goes through :func:`regbench.data.http.http_get` (the download mirror of the config
key ``downloads_mirror`` applies); log lines and errors are scrubbed of tokens and URL signatures.

URL forms: ``http(s)://``, ``ftp://``, ``file:///abs/path``, ``encode://ENCFF123ABC.bigWig``,
``zenodo://<record>/<filename>``, ``synapse://syn123[.version]`` (token from
``SYNAPSE_AUTH_TOKEN`` or ``~/.synapseConfig``, see :mod:`regbench.data.synapse`).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Mapping

from regbench.data import checksums as cks
from regbench.data.checksums import ENCODE_BASE, ZENODO_BASE, Source, checksum_source  # noqa: F401 (API)
from regbench.data.http import (  # noqa: F401 (re-exported: the mirror contract names download.*)
    MIRROR_ENV,
    DownloadError,
    http_get,
    mirror_url,
    scrub_secrets,
    with_retries,
)
from regbench.data.synapse import SYNAPSE_BASE, synapse_token  # noqa: F401 (API)

log_default = logging.getLogger(__name__)
CHUNK = 1 << 20


class _Retryable(Exception):
    pass


def encode_file_url(accession: str, ext: str, base: str = ENCODE_BASE) -> str:
    """``https://www.encodeproject.org/files/<acc>/@@download/<acc>.<ext>``."""
    ext = ext.lstrip(".")
    return f"{base}/files/{accession}/@@download/{accession}.{ext}"


def zenodo_file_url(record: str | int, filename: str, base: str = ZENODO_BASE) -> str:
    """``https://zenodo.org/records/<rec>/files/<name>?download=1``."""
    return f"{base}/records/{record}/files/{urllib.parse.quote(filename)}?download=1"


def encode_md5(accession: str, base: str = ENCODE_BASE, timeout: float = 60) -> str:
    """md5sum of an ENCODE file from ``<base>/files/<acc>/?format=json``."""
    found, _ = cks.publisher_checksums(Source("encode", f"{base}/files/{accession}/?format=json"),
                                       f"encode://{accession}", timeout)
    return found["md5"]


def zenodo_md5(record: str | int, filename: str, base: str = ZENODO_BASE, timeout: float = 60) -> str:
    """md5 of a Zenodo record file from ``<base>/api/records/<rec>`` (``checksum: md5:...``)."""
    found, _ = cks.publisher_checksums(Source("zenodo", f"{base}/api/records/{record}"),
                                       f"zenodo://{record}/{filename}", timeout)
    return found["md5"]


# ---------------------------------------------------------------------------------------------
# transfer


def _http_fetch(url: str, part: Path, timeout: float, resume: bool, size: int | None) -> bool:
    """Fetch into ``part`` (resuming it with Range when ``resume`` and it exists, else from byte 0);
    True if bytes were appended to an earlier partial file."""
    import requests
    import urllib3

    if not resume:
        part.unlink(missing_ok=True)
    have = part.stat().st_size if part.exists() else 0
    h = {"Range": f"bytes={have}-"} if have else {}
    try:
        with http_get(url, stream=True, timeout=timeout, headers=h, allow_redirects=True) as r:
            if r.status_code == 416 and have:
                part.unlink()  # our partial is longer than the file: start over
                raise _Retryable("HTTP 416 on resume; restarting")
            if r.status_code == 429 or r.status_code >= 500:
                raise _Retryable(f"HTTP {r.status_code}")
            if r.status_code >= 400:
                raise DownloadError(f"HTTP {r.status_code} {r.reason}")
            mode = "ab" if (have and r.status_code == 206) else "wb"
            total = None
            if r.status_code == 206:
                cr = r.headers.get("Content-Range", "")
                if cr.startswith("bytes ") and "/" in cr and not cr.endswith("/*"):
                    total = int(cr.rsplit("/", 1)[1])
            elif r.headers.get("Content-Length"):
                total = int(r.headers["Content-Length"])
            total = total or size
            with open(part, mode) as fh:
                # raw bytes: never undo a server's Content-Encoding (a .gz must stay gzip)
                for chunk in r.raw.stream(CHUNK, decode_content=False):
                    fh.write(chunk)
            got = part.stat().st_size
            if total is not None and got < total:
                raise _Retryable(f"incomplete body: {got} of {total} bytes")
            return mode == "ab"
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
        raise _Retryable(f"{type(e).__name__}: {e}") from None


def _urllib_fetch(url: str, part: Path, timeout: float, size: int | None) -> None:
    import urllib.error

    try:
        with urllib.request.urlopen(url, timeout=timeout) as r, open(part, "wb") as fh:
            total = r.headers.get("Content-Length") if hasattr(r, "headers") and r.headers else None
            shutil.copyfileobj(r, fh, CHUNK)
        total = int(total) if total is not None else size
        if total is not None and part.stat().st_size < total:
            raise _Retryable(f"incomplete body: {part.stat().st_size} of {total} bytes")
    except FileNotFoundError as e:
        raise DownloadError(f"no such file ({e.filename})") from None
    except urllib.error.URLError as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, FileNotFoundError) or "550" in str(reason) or "No such file" in str(reason):
            raise DownloadError(f"not found: {reason}") from None
        raise _Retryable(f"{type(e).__name__}: {reason}") from None
    except (OSError, TimeoutError) as e:
        raise _Retryable(f"{type(e).__name__}: {e}") from None


def _fetch_with_retries(real, part, resume, size, retries, backoff, timeout, log, shown, sleep) -> bool:
    """Fetch ``real`` into ``part`` with retries; True if any attempt appended to a partial file."""
    scheme = urllib.parse.urlsplit(real).scheme
    resumed = False

    def attempt():
        nonlocal resumed
        if scheme in ("http", "https"):
            resumed |= _http_fetch(real, part, timeout, resume, size)
        else:
            _urllib_fetch(real, part, timeout, size)
        return resumed

    return with_retries(attempt, _Retryable, retries, backoff, log, shown, sleep)


def download(
    url: str,
    dest: str | os.PathLike,
    md5: str | None = None,
    sha256: str | None = None,
    git_sha1: str | None = None,
    size: int | None = None,
    verify: bool = True,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 60.0,
    log: logging.Logger | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Path:
    """Download ``url`` to ``dest`` atomically and verified (see the module docstring).

    ``md5``/``sha256``/``git_sha1``: pinned checksums (else the publisher's); ``size``: expected
    bytes; ``verify=False``: accept without a checksum (only non-empty, non-HTML is checked);
    ``retries``: extra attempts after the first for transient errors, waiting ``backoff * 2**k``
    s; ``timeout``: per-request connect/read timeout (s). Returns ``dest``. Raises
    :class:`DownloadError` (nothing left at ``dest`` or its partial).
    """
    log = log or log_default
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.part")
    shown = scrub_secrets(url)
    try:
        p = cks.plan(url, {"md5": md5, "sha256": sha256, "git_sha1": git_sha1, "size": size}, verify, timeout, log)
    except DownloadError as e:
        raise DownloadError(f"{shown} -> {dest}: {scrub_secrets(str(e))}") from None
    real = mirror_url(p.url)  # ftp:// becomes http(s) on the mirror
    if real != p.url:
        log.info("%s: fetched through the download mirror %s", shown, os.environ.get(MIRROR_ENV))
    scheme = urllib.parse.urlsplit(real).scheme
    if scheme not in ("http", "https", "ftp", "file"):
        raise DownloadError(f"{shown} -> {dest}: unsupported URL scheme {scheme!r}")
    resume = bool(p.expected)
    if part.exists():
        if resume:
            log.info("%s: found a partial download %s (%d bytes); resuming", shown, part, part.stat().st_size)
        else:
            log.info("%s: discarding the partial download %s (no checksum to check a resumed file)", shown, part)
            part.unlink()

    def fetch_and_check():
        resumed = _fetch_with_retries(real, part, resume, p.size, retries, backoff, timeout, log, shown, sleep)
        try:
            cks.check_body(part, dest.name, p.size)
            cks.verify_file(part, p.expected)
        except DownloadError as e:
            if not resumed:
                raise
            # a stale or inconsistent partial file: one fresh transfer from byte 0
            log.warning("%s: %s after a resumed transfer; downloading again from the start", shown, e)
            part.unlink(missing_ok=True)
            _fetch_with_retries(real, part, False, p.size, retries, backoff, timeout, log, shown, sleep)
            cks.check_body(part, dest.name, p.size)
            cks.verify_file(part, p.expected)

    try:
        fetch_and_check()
        os.replace(part, dest)
    except DownloadError as e:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{shown} -> {dest}: {scrub_secrets(str(e))}") from None
    except Exception:
        if not resume:
            part.unlink(missing_ok=True)
        raise  # (an interrupt keeps a verifiable partial file so the next run resumes it)
    checked = ", ".join(f"{k} ok" for k in p.expected) or "NOT VERIFIED (verify: false)"
    log.info("downloaded %s -> %s (%d bytes, %s; checksum from %s)", shown, dest, dest.stat().st_size, checked,
             p.source.describe())
    return dest


def download_spec(spec: Mapping, dest: str | os.PathLike, log: logging.Logger | None = None) -> Path:
    """Download one config ``downloads`` entry ``{url, md5?, sha256?, git_sha1?, size?, verify?,
    note?, retries?, timeout?}`` (config/schemas/defs.schema.yaml)."""
    if "url" not in spec:
        raise DownloadError(f"{dest}: download entry without 'url' (its keys: {', '.join(sorted(map(str, spec)))})")
    return download(
        spec["url"], dest, md5=spec.get("md5"), sha256=spec.get("sha256"), git_sha1=spec.get("git_sha1"),
        size=spec.get("size"), verify=bool(spec.get("verify", True)),
        retries=int(spec.get("retries", 3)), timeout=float(spec.get("timeout", 60)), log=log,
    )
