"""Synapse file entities (``synapse://syn123`` or ``synapse://syn123.4`` for version 4) through the
Synapse REST API, with a personal access token from ``SYNAPSE_AUTH_TOKEN`` or ``~/.synapseConfig``
(``[authentication]`` / ``authtoken = ...``; path overridable with ``SYNAPSE_CONFIG``).

Requests (base ``SYNAPSE_REPO_ENDPOINT``, default https://repo-prod.prod.sagebase.org; all through
:func:`regbench.data.http.http_get`, so the download mirror applies):

* ``GET <base>/repo/v1/entity/<syn>[/version/<v>]/filehandles`` -> ``list[0]``: ``contentMd5``,
  ``contentSize``, ``fileName`` (the publisher's checksum of the file)
* ``GET <base>/repo/v1/entity/<syn>[/version/<v>]/file?redirect=false`` -> the presigned storage
  URL as text (fetched without the token)

The token never appears in a log line or an error; presigned URLs are scrubbed of their signature.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from regbench.data.http import DownloadError, http_get, scrub_secrets

SYNAPSE_BASE = "https://repo-prod.prod.sagebase.org"


@dataclass(frozen=True)
class SynapseFile:
    """A resolved entity: ``url`` presigned storage URL (a secret: scrub before showing)."""

    entity: str
    url: str
    md5: str | None
    size: int | None
    name: str


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
            raise DownloadError(f"{cfg_path}: unreadable Synapse config ({type(e).__name__})") from None
        tok = cp.get("authentication", "authtoken", fallback="").strip()
        if tok:
            return tok
    raise DownloadError(
        "Synapse download needs a personal access token: set SYNAPSE_AUTH_TOKEN or put "
        f"'[authentication]\\nauthtoken = <token>' in {cfg_path} (controlled-access data also need "
        "the data use agreement approved on synapse.org)"
    )


def entity_path(entity: str) -> str:
    """``syn123`` -> ``/repo/v1/entity/syn123``; ``syn123.4`` -> ``.../syn123/version/4``."""
    syn, _, version = entity.partition(".")
    if not syn.lower().startswith("syn") or not syn[3:].isdigit() or (version and not version.isdigit()):
        raise DownloadError(f"synapse://{entity}: expected an entity id like syn123 or syn123.4")
    return f"/repo/v1/entity/{syn}" + (f"/version/{version}" if version else "")


def api_base(base: str | None = None) -> str:
    return (base or os.environ.get("SYNAPSE_REPO_ENDPOINT") or SYNAPSE_BASE).rstrip("/")


def resolve(entity: str, base: str | None = None, timeout: float = 60.0) -> SynapseFile:
    """The presigned URL, md5, size and file name of a Synapse file entity ``syn123[.version]``."""
    import requests

    path = entity_path(entity)
    base = api_base(base)
    token = synapse_token()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(suffix, **kw):
        r = http_get(f"{base}{path}{suffix}", headers=headers, timeout=timeout, **kw)
        if r.status_code in (401, 403):
            raise DownloadError(f"synapse://{entity}: access denied (HTTP {r.status_code}); check the token and the data use agreement")
        if r.status_code == 404:
            raise DownloadError(f"synapse://{entity}: no such entity (HTTP 404)")
        if r.status_code >= 400:
            raise DownloadError(f"synapse://{entity}: Synapse API answered HTTP {r.status_code} {r.reason}")
        return r

    try:
        handles = get("/filehandles").json().get("list", [])
        url = get("/file", params={"redirect": "false"}).text.strip().strip('"')
    except requests.RequestException as e:
        raise DownloadError(f"synapse://{entity}: Synapse API request failed ({type(e).__name__}: "
                            f"{scrub_secrets(str(e), token)})") from None
    except (ValueError, AttributeError) as e:
        raise DownloadError(f"synapse://{entity}: unexpected Synapse API answer ({type(e).__name__})") from None
    h = handles[0] if handles and isinstance(handles[0], dict) else {}
    size = h.get("contentSize")
    return SynapseFile(entity, url, h.get("contentMd5") or None, int(size) if size is not None else None,
                       h.get("fileName") or entity)
