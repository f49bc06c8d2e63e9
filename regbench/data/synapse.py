"""Synapse file entities (``synapse://syn123`` or ``synapse://syn123.4`` for version 4, or
``synapse://syn123/<name>[/<name>...]`` for the file of that name inside folder syn123) through the
Synapse REST API, with a personal access token from ``SYNAPSE_AUTH_TOKEN`` or ``~/.synapseConfig``
(``[authentication]`` / ``authtoken = ...``; path overridable with ``SYNAPSE_CONFIG``).

Requests (base ``SYNAPSE_REPO_ENDPOINT``, default https://repo-prod.prod.sagebase.org; all through
:func:`regbench.data.http.http_get`, so the download mirror applies):

* ``GET <base>/repo/v1/entity/<syn>[/version/<v>]/filehandles`` -> ``list[0]``: ``contentMd5``,
  ``contentSize``, ``fileName`` (the publisher's checksum of the file)
* ``GET <base>/repo/v1/entity/<syn>[/version/<v>]/file?redirect=false`` -> the presigned storage
  URL as text (fetched without the token)
* folder paths (:func:`resolve_path`): ``POST <base>/repo/v1/entity/children`` with
  ``{"parentId": <syn>, "includeTypes": ["file", "folder"]}`` (paged by ``nextPageToken``) -> the
  child of that name, one path element at a time (ROSMAP's per-chromosome WGS VCFs live in folder
  syn11707420: a config names them by folder and file name instead of pinning 22 entities)

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



def _check_answer(r, entity: str, what: str, otherwise: str) -> None:
    """DownloadError naming ``synapse://entity`` for an HTTP error answer: access denied (401/403),
    no such ``what`` (404), else ``otherwise``."""
    if r.status_code in (401, 403):
        raise DownloadError(f"synapse://{entity}: access denied (HTTP {r.status_code}); check the token and the data use agreement")
    if r.status_code == 404:
        raise DownloadError(f"synapse://{entity}: no such {what} (HTTP 404)")
    if r.status_code >= 400:
        raise DownloadError(f"synapse://{entity}: {otherwise}")

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
    """``syn123`` -> ``/repo/v1/entity/syn123``; ``syn123.4`` -> ``.../syn123/version/4``; a folder
    path ``syn123/<name>`` (not resolved here: no request) -> ``/repo/v1/entity/syn123/children/<name>``,
    a description of where :func:`resolve_path` will look."""
    if "/" in entity:
        folder, _, rest = entity.partition("/")
        return entity_path(folder) + "/children/" + rest
    syn, _, version = entity.partition(".")
    if not syn.lower().startswith("syn") or not syn[3:].isdigit() or (version and not version.isdigit()):
        raise DownloadError(f"synapse://{entity}: expected an entity id like syn123 or syn123.4")
    return f"/repo/v1/entity/{syn}" + (f"/version/{version}" if version else "")


def api_base(base: str | None = None) -> str:
    return (base or os.environ.get("SYNAPSE_REPO_ENDPOINT") or SYNAPSE_BASE).rstrip("/")


def resolve(entity: str, base: str | None = None, timeout: float = 60.0) -> SynapseFile:
    """The presigned URL, md5, size and file name of a Synapse file entity ``syn123[.version]`` (or
    of the file a folder path ``syn123/<name>`` names, :func:`resolve_path`)."""
    import requests

    if "/" in entity:
        entity = resolve_path(entity, base, timeout)
    path = entity_path(entity)
    base = api_base(base)
    token = synapse_token()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(suffix, **kw):
        r = http_get(f"{base}{path}{suffix}", headers=headers, timeout=timeout, **kw)
        _check_answer(r, entity, "entity", f"Synapse API answered HTTP {r.status_code} {r.reason}")
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


CHILD_TYPES = ["file", "folder"]


def list_children(parent: str, base: str | None = None, timeout: float = 60.0, token: str | None = None) -> list[dict]:
    """Every child (``{id, name, type, ...}``) of a Synapse container, all pages
    (``POST /repo/v1/entity/children``, through the download mirror)."""
    import requests

    from regbench.data.http import mirror_url

    entity_path(parent)  # validates the id
    base = api_base(base)
    token = token or synapse_token()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "Content-Type": "application/json"}
    out, page_token = [], None
    while True:
        body = {"parentId": parent, "includeTypes": CHILD_TYPES}
        if page_token:
            body["nextPageToken"] = page_token
        try:
            r = requests.post(mirror_url(f"{base}/repo/v1/entity/children"), json=body, headers=headers, timeout=timeout)
        except requests.RequestException as e:
            raise DownloadError(f"synapse://{parent}: listing the folder failed ({type(e).__name__}: "
                                f"{scrub_secrets(str(e), token)})") from None
        _check_answer(r, parent, "folder", f"listing the folder failed (HTTP {r.status_code})")
        try:
            data = r.json()
        except ValueError:
            raise DownloadError(f"synapse://{parent}: unexpected answer to the folder listing (not JSON)") from None
        out += list(data.get("page", []))
        page_token = data.get("nextPageToken")
        if not page_token:
            return out


def resolve_path(path: str, base: str | None = None, timeout: float = 60.0) -> str:
    """Entity id of ``syn<folder>/<name>[/<name>...]`` (each name a child of the previous entity;
    the last one must be a file). An id without a path is returned unchanged. A missing name
    raises DownloadError listing the names that exist there."""
    parts = [p for p in str(path).split("/") if p]
    if not parts or not parts[0].lower().startswith("syn"):
        raise DownloadError(f"synapse://{path}: expected syn<id>[/<name>...]")
    current = parts[0]
    if len(parts) == 1:
        return current
    token = synapse_token()
    for k, name in enumerate(parts[1:], start=1):
        children = list_children(current, base, timeout, token)
        hit = [c for c in children if c.get("name") == name]
        if not hit:
            names = sorted(str(c.get("name", "")) for c in children)
            shown = ", ".join(names[:20]) + (f" ... ({len(names)} in all)" if len(names) > 20 else "")
            raise DownloadError(f"synapse://{path}: no entity named {name!r} in {current} (children: {shown or 'none'})")
        entity = hit[0]
        kind = str(entity.get("type", ""))
        is_file = kind.endswith("FileEntity") or kind == "file"
        if k == len(parts) - 1 and not is_file:
            raise DownloadError(f"synapse://{path}: {name!r} in {current} is a {kind}, not a file")
        current = str(entity["id"])
    return current
