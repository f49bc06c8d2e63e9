"""The network boundary of the library: the download mirror, the one GET, retries, secret scrubbing.

* :func:`mirror_url` maps ``https://host/path?q`` onto ``<mirror>/host/path?q`` when the config
  key ``downloads_mirror`` is set (environment ``REGBENCH_DOWNLOADS_MIRROR``, exported by
  :func:`regbench.workflow.script_run`), so one local server can stand in for every host.
* :func:`http_get` is ``requests.get(mirror_url(url))``: every HTTP request of the library goes
  through it (file bodies, ENCODE search and metadata, Zenodo, Synapse and Hugging Face APIs,
  publishers' checksum lists). :func:`fetch_text` reads a small text answer (http(s) or ftp).
* :func:`scrub_secrets` removes signatures, credentials and tokens from URLs in a message
  (presigned storage URLs carry ``X-Amz-Signature``); every log line and error of the download
  code passes through it.
"""

from __future__ import annotations

import logging
import os
import re
import time
import urllib.parse
import urllib.request
from typing import Callable

MIRROR_ENV = "REGBENCH_DOWNLOADS_MIRROR"

# query parameters whose values are secrets (AWS/GCS/Azure presigned URLs, OAuth tokens)
_SECRET_PARAM = re.compile(
    r"(?i)([?&;](?:[\w.-]*(?:signature|credential|token|secret|password|policy|key-pair-id|sig|"
    r"security|auth)[\w.-]*|se|sp|sv|sr|st|skoid|sktid|skt|ske|sks|skv|ses)=)[^&;#\s'\"<>]*"
)
_USERINFO = re.compile(r"(?i)\b((?:https?|ftp)://)[^/\s:@]+:[^/\s@]+@")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")


class DownloadError(RuntimeError):
    """A download that could not be completed or verified (nothing is left at the destination)."""


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
    leave the process (file bodies, ENCODE search and metadata, Zenodo, Synapse and Hugging Face
    APIs, publishers' checksum lists), so that the ``downloads_mirror`` config key redirects all
    of them."""
    import requests

    return requests.get(mirror_url(url), **kw)


def fetch_text(url: str, timeout: float = 60.0, headers: dict | None = None) -> str:
    """The body of a small text resource (checksum list, API answer) as str; http(s) through
    :func:`http_get`, ftp through urllib (an ftp URL becomes http(s) on a mirror). Raises
    :class:`DownloadError` naming the URL on any failure (HTTP status, connection, decoding)."""
    real = mirror_url(url)
    try:
        if urllib.parse.urlsplit(real).scheme in ("http", "https"):
            import requests

            try:
                r = http_get(url, timeout=timeout, headers=headers or {})
            except requests.RequestException as e:
                raise DownloadError(f"{scrub_secrets(url)}: request failed ({type(e).__name__}: {scrub_secrets(str(e))})") from None
            if r.status_code >= 400:
                raise DownloadError(f"{scrub_secrets(url)}: HTTP {r.status_code} {r.reason}")
            return r.content.decode("utf-8")
        with urllib.request.urlopen(real, timeout=timeout) as fh:
            return fh.read().decode("utf-8")
    except UnicodeDecodeError as e:
        raise DownloadError(f"{scrub_secrets(url)}: the answer is not UTF-8 text ({e})") from None
    except OSError as e:
        raise DownloadError(f"{scrub_secrets(url)}: request failed ({type(e).__name__}: {scrub_secrets(str(e))})") from None


def scrub_secrets(text: str, *secrets: str) -> str:
    """``text`` with URL signatures/credentials/tokens, ``user:password@`` parts, bearer tokens and
    each given literal secret replaced by ``***``.

    >>> scrub_secrets("GET https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Expires=60 failed")
    'GET https://b.s3.amazonaws.com/k?X-Amz-Signature=***&X-Amz-Expires=60 failed'
    """
    text = _SECRET_PARAM.sub(r"\1***", str(text))
    text = _USERINFO.sub(r"\1***@", text)
    text = _BEARER.sub(r"\1***", text)
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text


def with_retries(fn: Callable, retryable, retries: int, backoff: float, log: logging.Logger, label: str,
                 sleep: Callable[[float], None] = time.sleep, on_error: Callable | None = None,
                 prefix: str = ""):
    """Return ``fn()``, retrying exceptions of type ``retryable`` up to ``retries`` extra times
    (waiting ``backoff * 2**k`` s; ``on_error(e)`` after each failure); DownloadError at the end.
    Messages are passed through :func:`scrub_secrets`."""
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
                log.warning("%s: attempt %d/%d failed (%s); retrying in %.1f s", scrub_secrets(label), attempt + 1,
                            retries + 1, scrub_secrets(str(e)), wait)
                sleep(wait)
    raise DownloadError(scrub_secrets(f"{prefix}failed after {retries + 1} attempts: {last}"))
