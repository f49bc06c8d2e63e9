"""Which Enformer weights a config names, without importing torch (rules call this at parse time).

* :func:`official_weights` — True exactly for DeepMind's weights as ported by EleutherAI
  (``EleutherAI/enformer-official-rough``), recognised by where they come from: the hub name, its
  Hugging Face cache snapshot, or a local directory whose files a config ``downloads`` entry fetches
  from that hub repository.
* :func:`enformer_settings` — the config's ``enformer`` block with ``use_tf_gamma: null`` resolved to
  that answer (the official weights need enformer-pytorch's TF gamma positional features;
  specs/personal.md §4.1, enformer-pytorch issue #31).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

OFFICIAL = "EleutherAI/enformer-official-rough"
OFFICIAL_URL = f"https://huggingface.co/{OFFICIAL}/"
#: hub cache folder name of the official repository (``<HF_HOME>/hub/models--EleutherAI--.../snapshots/<rev>``)
OFFICIAL_CACHE_DIR = "models--" + OFFICIAL.replace("/", "--")


def official_weights(source: str | os.PathLike, downloads: Mapping[str, Mapping] | None = None,
                     downloads_root: str | os.PathLike = "resources/downloads") -> bool:
    """True when ``source`` holds DeepMind's Enformer weights (EleutherAI's official port).

    Recognised by where the files come from, never by their content:

    * the hub name ``EleutherAI/enformer-official-rough``;
    * a Hugging Face cache snapshot of it (a path with ``models--EleutherAI--enformer-official-rough``
      followed by ``snapshots``);
    * a local directory ``<downloads_root>/<relpath>`` whose ``config.json`` is a ``downloads``
      entry (config key ``downloads`` or a study's ``downloads``; relpath -> {url, ...}) fetched
      from ``https://huggingface.co/EleutherAI/enformer-official-rough/``, with every other entry
      in that directory from the same repository.

    ``source`` may be relative to the working directory or absolute.
    """
    src = str(source)
    if src == OFFICIAL:
        return True
    parts = Path(src).parts
    if OFFICIAL_CACHE_DIR in parts:
        i = parts.index(OFFICIAL_CACHE_DIR)
        if len(parts) > i + 2 and parts[i + 1] == "snapshots":
            return True
    if not downloads:
        return False
    root = Path(os.path.abspath(downloads_root))
    try:
        rel = Path(os.path.abspath(src)).relative_to(root).as_posix()
    except ValueError:
        return False
    entries = {k: v for k, v in downloads.items() if k.startswith(rel + "/") and "/" not in k[len(rel) + 1:]}
    config_entry = entries.get(f"{rel}/config.json")
    if not config_entry:
        return False
    return all(str(v.get("url", "")).startswith(OFFICIAL_URL) for v in entries.values())


def enformer_settings(enformer_cfg: Mapping, downloads: Mapping[str, Mapping] | None = None,
                      downloads_root: str | os.PathLike = "resources/downloads") -> dict:
    """The config's ``enformer`` block with ``use_tf_gamma`` resolved: the configured bool, or for
    ``null`` :func:`official_weights` of ``weights`` (``downloads`` = every configured download)."""
    out = dict(enformer_cfg)
    if out.get("use_tf_gamma") is None:
        out["use_tf_gamma"] = official_weights(out["weights"], downloads, downloads_root)
    else:
        out["use_tf_gamma"] = bool(out["use_tf_gamma"])
    return out
