"""Checksum-verified, resumable, atomic downloads (http(s), ftp, file, synapse, zenodo, encode).

``download(url, dest, md5=None, sha256=None, retries=3, ...)`` writes to ``.<name>.part`` next to
``dest``; an interrupted HTTP transfer is resumed with a ``Range`` request (restarted when the
server ignores it), transient failures (connection errors, timeouts, HTTP 429/5xx, truncated bodies)
are retried with exponential backoff, the checksum is verified, and only then is the file renamed
onto ``dest``. On any final failure the partial file is removed and :class:`DownloadError` names
the URL, the destination and the cause.

URL forms accepted by :func:`download_spec` / :func:`download`:

* ``http(s)://...``, ``ftp://...``, ``file:///abs/path``
* ``encode://ENCFF123ABC.bigWig`` -> :func:`encode_file_url`; without md5/sha256 the md5 is looked
  up from the portal (:func:`encode_md5`)
* ``zenodo://<record>/<filename>`` -> :func:`zenodo_file_url`
* ``synapse://syn123`` (or ``synapse://syn123.4`` for version 4): through the Synapse REST API with
  the token from ``SYNAPSE_AUTH_TOKEN`` or ``~/.synapseConfig`` (``[authentication]`` /
  ``authtoken = ...``; path overridable with ``SYNAPSE_CONFIG``). The API base URL is
  ``SYNAPSE_REPO_ENDPOINT`` (default https://repo-prod.prod.sagebase.org). The token is never logged.
"""

from __future__ import annotations

import configparser
import hashlib
import logging
import os
import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Mapping

log_default = logging.getLogger(__name__)

MIRROR_ENV = "REGBENCH_DOWNLOADS_MIRROR"
ENCODE_BASE = "https://www.encodeproject.org"
ZENODO_BASE = "https://zenodo.org"
SYNAPSE_BASE = "https://repo-prod.prod.sagebase.org"
CHUNK = 1 << 20


def mirror_url(url: str, mirror: str | None = None) -> str:
    """``url`` with its host rewritten onto a download mirror, or ``url`` unchanged without one.

    ``https://host/path?q`` -> ``<mirror>/host/path?q`` (scheme dropped, host kept as the first
    path segment), so one mirror serves every host the workflow reaches (the paper rehearsal's
    server on 127.0.0.1). ``mirror`` defaults to the ``REGBENCH_DOWNLOADS_MIRROR`` environment
    variable, which :func:`regbench.workflow.script_run` sets from the config key
    ``downloads_mirror``. ``file://`` URLs and URLs already on the mirror are left alone.
    """
    mirror = (os.environ.get(MIRROR_ENV, "") if mirror is None else mirror).strip().rstrip("/")
    if not mirror or url.startswith(mirror + "/"):
        return url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https", "ftp") or not parts.netloc:
        return url
    rest = parts.path or "/"
    return f"{mirror}/{parts.netloc}{rest}" + (f"?{parts.query}" if parts.query else "")


def http_get(url: str, **kw):
    """``requests.get(mirror_url(url), **kw)``: the one place where the library's HTTP requests
    leave the process (file bodies, ENCODE, Zenodo and Synapse APIs, publishers' checksum lists),
    so that the ``downloads_mirror`` config key redirects all of them."""
    import requests

    return requests.get(mirror_url(url), **kw)


class DownloadError(RuntimeError):
    """A download that could not be completed or verified (nothing is left at the destination)."""


class _Retryable(Exception):
    pass


def encode_file_url(accession: str, ext: str, base: str = ENCODE_BASE) -> str:
    """``https://www.encodeproject.org/files/<acc>/@@download/<acc>.<ext>``."""
    ext = ext.lstrip(".")
    return f"{base}/files/{accession}/@@download/{accession}.{ext}"


def encode_md5(accession: str, base: str = ENCODE_BASE, timeout: float = 60) -> str:
    """md5sum of an ENCODE file from ``<base>/files/<acc>/?format=json``."""
    import requests

    url = f"{base}/files/{accession}/?format=json"
    try:
        r = http_get(url, timeout=timeout, headers={"Accept": "application/json"})
        r.raise_for_status()
        md5 = r.json().get("md5sum")
    except (requests.RequestException, ValueError) as e:
        raise DownloadError(f"{url}: could not look up the md5sum of {accession}: {e}") from e
    if not md5:
        raise DownloadError(f"{url}: no md5sum field for {accession}")
    return md5


def zenodo_file_url(record: str | int, filename: str, base: str = ZENODO_BASE) -> str:
    """``https://zenodo.org/records/<rec>/files/<name>?download=1``."""
    return f"{base}/records/{record}/files/{urllib.parse.quote(filename)}?download=1"


def zenodo_md5(record: str | int, filename: str, base: str = ZENODO_BASE, timeout: float = 60) -> str:
    """md5 of a Zenodo record file from ``<base>/api/records/<rec>`` (``checksum: md5:...``)."""
    import requests

    url = f"{base}/api/records/{record}"
    try:
        r = http_get(url, timeout=timeout)
        r.raise_for_status()
        for f in r.json().get("files", []):
            if f.get("key") == filename:
                cs = f.get("checksum", "")
                if cs.startswith("md5:"):
                    return cs[4:]
    except (requests.RequestException, ValueError) as e:
        raise DownloadError(f"{url}: could not look up the checksum of {filename}: {e}") from e
    raise DownloadError(f"{url}: no md5 checksum listed for {filename}")


# ---------------------------------------------------------------------------------------------
# Synapse


def synapse_token(env: Mapping[str, str] | None = None) -> str:
    """The Synapse personal access token from ``SYNAPSE_AUTH_TOKEN`` or ``~/.synapseConfig``."""
    env = os.environ if env is None else env
    tok = env.get("SYNAPSE_AUTH_TOKEN", "").strip()
    if tok:
        return tok
    cfg_path = Path(env.get("SYNAPSE_CONFIG", str(Path.home() / ".synapseConfig")))
    if cfg_path.exists():
        cp = configparser.ConfigParser()
        try:
            cp.read(cfg_path)
        except configparser.Error as e:
            raise DownloadError(f"{cfg_path}: unreadable Synapse config ({type(e).__name__})") from e
        tok = cp.get("authentication", "authtoken", fallback="").strip()
        if tok:
            return tok
    raise DownloadError(
        "Synapse download needs a personal access token: set SYNAPSE_AUTH_TOKEN or put "
        f"'[authentication]\\nauthtoken = <token>' in {cfg_path} (controlled-access data also need "
        "the data use agreement approved on synapse.org)"
    )


def _synapse_resolve(entity: str, base: str | None, timeout: float) -> tuple[str, str | None, str]:
    """(presigned url, md5 or None, file name) of a Synapse file entity ``syn123[.version]``."""
    import requests

    base = (base or os.environ.get("SYNAPSE_REPO_ENDPOINT") or SYNAPSE_BASE).rstrip("/")
    syn, _, version = entity.partition(".")
    if not syn.lower().startswith("syn") or not syn[3:].isdigit():
        raise DownloadError(f"synapse://{entity}: expected an entity id like syn123 or syn123.4")
    token = synapse_token()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    path = f"/repo/v1/entity/{syn}" + (f"/version/{version}" if version else "")
    try:
        r = http_get(f"{base}{path}/filehandles", headers=headers, timeout=timeout)
        if r.status_code in (401, 403):
            raise DownloadError(f"synapse://{entity}: access denied (HTTP {r.status_code}); check the token and the data use agreement")
        if r.status_code == 404:
            raise DownloadError(f"synapse://{entity}: no such entity (HTTP 404)")
        r.raise_for_status()
        handles = r.json().get("list", [])
        md5 = handles[0].get("contentMd5") if handles else None
        name = handles[0].get("fileName", syn) if handles else syn
        r = http_get(f"{base}{path}/file", params={"redirect": "false"}, headers=headers, timeout=timeout)
        if r.status_code in (401, 403):
            raise DownloadError(f"synapse://{entity}: access denied (HTTP {r.status_code}); check the token and the data use agreement")
        r.raise_for_status()
        url = r.text.strip().strip('"')
    except requests.RequestException as e:
        raise DownloadError(f"synapse://{entity}: Synapse API request failed ({type(e).__name__}: {_scrub(str(e), token)})") from None
    return url, md5, name


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


# ---------------------------------------------------------------------------------------------
# core


def _hashers(md5, sha256):
    return ({"md5": hashlib.md5()} if md5 else {}) | ({"sha256": hashlib.sha256()} if sha256 else {})


def _verify(part: Path, md5: str | None, sha256: str | None) -> None:
    hs = _hashers(md5, sha256)
    if not hs:
        return
    with open(part, "rb") as fh:
        while True:
            b = fh.read(CHUNK)
            if not b:
                break
            for h in hs.values():
                h.update(b)
    for name, want in (("md5", md5), ("sha256", sha256)):
        if want and hs[name].hexdigest().lower() != want.strip().lower():
            raise DownloadError(f"{name} mismatch: expected {want.strip().lower()}, got {hs[name].hexdigest()}")


def _http_fetch(url: str, part: Path, timeout: float, headers: dict | None) -> bool:
    """Fetch into ``part`` (resuming it with Range when it exists); True if bytes were appended."""
    import requests
    import urllib3

    have = part.stat().st_size if part.exists() else 0
    h = dict(headers or {})
    if have:
        h["Range"] = f"bytes={have}-"
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
            resumed = mode == "ab"
            total = None
            if r.status_code == 206:
                cr = r.headers.get("Content-Range", "")
                if cr.startswith("bytes ") and "/" in cr and not cr.endswith("/*"):
                    total = int(cr.rsplit("/", 1)[1])
            elif r.headers.get("Content-Length"):
                total = int(r.headers["Content-Length"])
            with open(part, mode) as fh:
                # raw bytes: never undo a server's Content-Encoding (a .gz must stay gzip)
                for chunk in r.raw.stream(CHUNK, decode_content=False):
                    fh.write(chunk)
            if total is not None and part.stat().st_size != total:
                raise _Retryable(f"incomplete body: {part.stat().st_size} of {total} bytes")
            return resumed
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
        raise _Retryable(f"{type(e).__name__}: {e}") from None


def _urllib_fetch(url: str, part: Path, timeout: float) -> None:
    import urllib.error

    try:
        with urllib.request.urlopen(url, timeout=timeout) as r, open(part, "wb") as fh:
            total = r.headers.get("Content-Length") if hasattr(r, "headers") and r.headers else None
            shutil.copyfileobj(r, fh, CHUNK)
        if total is not None and part.stat().st_size != int(total):
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


def with_retries(fn: Callable, retryable, retries: int, backoff: float, log: logging.Logger, label: str,
                 sleep: Callable[[float], None] = time.sleep, on_error: Callable | None = None,
                 prefix: str = ""):
    """Return ``fn()``, retrying exceptions of type ``retryable`` up to ``retries`` extra times
    (waiting ``backoff * 2**k`` s; ``on_error(e)`` after each failure); DownloadError at the end."""
    last = None
    for attempt in range(retries + 1):
        try:
            return fn()
        except retryable as e:
            last = e
            if on_error is not None:
                on_error(e)
            if attempt < retries:
                wait = backoff * 2**attempt
                log.warning("%s: attempt %d/%d failed (%s); retrying in %.1f s", label, attempt + 1, retries + 1, e, wait)
                sleep(wait)
    raise DownloadError(f"{prefix}failed after {retries + 1} attempts: {last}")


def _fetch_with_retries(real, part, scheme, headers, retries, backoff, timeout, log, shown, sleep) -> bool:
    """Fetch ``real`` into ``part`` with retries; True if any attempt appended to a partial file."""
    resumed = False

    def attempt():
        nonlocal resumed
        if scheme in ("http", "https"):
            resumed |= _http_fetch(real, part, timeout, headers)
        else:
            _urllib_fetch(real, part, timeout)
        return resumed

    def failed(_e):
        nonlocal resumed
        resumed |= part.exists() and part.stat().st_size > 0 and scheme in ("http", "https")

    return with_retries(attempt, _Retryable, retries, backoff, log, shown, sleep, on_error=failed)


def resolve_url(url: str, md5: str | None = None, sha256: str | None = None, log: logging.Logger | None = None,
                synapse_base: str | None = None, timeout: float = 60) -> tuple[str, str | None, str | None, dict | None]:
    """Map ``encode://``, ``zenodo://``, ``synapse://`` URLs to a fetchable URL (+ checksums)."""
    log = log or log_default
    scheme, _, rest = url.partition("://")
    if scheme == "encode":
        acc, _, ext = rest.partition(".")
        if not md5 and not sha256:
            md5 = encode_md5(acc, timeout=timeout)
            log.info("md5 of %s from the ENCODE portal: %s", acc, md5)
        return encode_file_url(acc, ext), md5, sha256, None
    if scheme == "zenodo":
        rec, _, name = rest.partition("/")
        return zenodo_file_url(rec, name), md5, sha256, None
    if scheme == "synapse":
        purl, smd5, name = _synapse_resolve(rest, synapse_base, timeout)
        log.info("synapse://%s -> file %s (md5 %s)", rest, name, smd5 or "unknown")
        return purl, md5 or (smd5 if not sha256 else None), sha256, None
    return url, md5, sha256, None


def download(
    url: str,
    dest: str | os.PathLike,
    md5: str | None = None,
    sha256: str | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 60.0,
    log: logging.Logger | None = None,
    synapse_base: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying md5/sha256 when given (see module doc).

    ``retries``: extra attempts after the first for transient errors, waiting
    ``backoff * 2**k`` seconds; ``timeout``: per-request connect/read timeout (s).
    Returns ``dest``. Raises :class:`DownloadError` (nothing left at ``dest`` or its partial).
    """
    log = log or log_default
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.part")
    shown = url
    try:
        real, md5, sha256, headers = resolve_url(url, md5, sha256, log, synapse_base, timeout)
    except DownloadError as e:
        raise DownloadError(f"{shown} -> {dest}: {e}") from None
    if not md5 and not sha256:
        log.warning("%s: no md5/sha256 given; the file is not verified", shown)
    if mirror_url(real) != real:
        log.info("%s: fetched through the download mirror %s", shown, os.environ.get(MIRROR_ENV))
    real = mirror_url(real)  # ftp:// becomes http(s) on the mirror
    scheme = urllib.parse.urlparse(real).scheme
    if scheme not in ("http", "https", "ftp", "file"):
        raise DownloadError(f"{shown} -> {dest}: unsupported URL scheme {scheme!r}")
    if part.exists():
        log.info("%s: found a partial download %s (%d bytes); resuming", shown, part, part.stat().st_size)
    try:
        resumed = _fetch_with_retries(real, part, scheme, headers, retries, backoff, timeout, log, shown, sleep)
        try:
            _verify(part, md5, sha256)
        except DownloadError as e:
            if not resumed:
                raise
            # a stale or inconsistent partial file: one fresh transfer from byte 0
            log.warning("%s: %s after a resumed transfer; downloading again from the start", shown, e)
            part.unlink(missing_ok=True)
            _fetch_with_retries(real, part, scheme, headers, retries, backoff, timeout, log, shown, sleep)
            _verify(part, md5, sha256)
        os.replace(part, dest)
    except DownloadError as e:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{shown} -> {dest}: {e}") from None
    except Exception:
        part.unlink(missing_ok=True)
        raise  # (an interrupt keeps the partial file so the next run resumes it)
    log.info("downloaded %s -> %s (%d bytes%s)", shown, dest, dest.stat().st_size, ", checksum ok" if (md5 or sha256) else "")
    return dest


def download_spec(spec: Mapping, dest: str | os.PathLike, log: logging.Logger | None = None) -> Path:
    """Download one config ``downloads`` entry ``{url, md5?, sha256?, note?, retries?, timeout?}``."""
    if "url" not in spec:
        raise DownloadError(f"{dest}: download spec without 'url': {dict(spec)}")
    return download(
        spec["url"], dest, md5=spec.get("md5"), sha256=spec.get("sha256"),
        retries=int(spec.get("retries", 3)), timeout=float(spec.get("timeout", 60)), log=log,
    )
