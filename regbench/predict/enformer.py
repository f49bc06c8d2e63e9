"""Enformer (enformer-pytorch) loading, head wrapping and Basenji target tables.

* :func:`load_enformer` — hub name (``EleutherAI/enformer-official-rough``) or a local
  ``save_pretrained`` directory. ``use_tf_gamma=None`` means "infer": True exactly for DeepMind's
  weights as ported by EleutherAI (:func:`official_weights`: the hub name, its Hugging Face cache
  snapshot, or a local directory whose files the config's ``downloads`` fetch from that hub
  repository), False otherwise (specs/personal.md §4.1). The one Enformer loader of every study.
* :func:`enformer_settings` — the config's ``enformer`` block with ``use_tf_gamma`` resolved to a
  bool (what the rules pass to their scripts).
* :class:`EnformerHead` — ``nn.Module`` taking ``(N, L, 4)`` one-hot (L a multiple of 128;
  exactly 196,608 with ``use_tf_gamma``) and returning ``(N, bins, tracks)`` of one head, so the
  engine and attribution treat Enformer like any registered model.
* :func:`read_targets` / :func:`track_index` — the Basenji ``targets_{human,mouse}.txt`` tables;
  studies find tracks by description (``CAGE:brain, adult,`` = 4980 in the real human table).

enformer_pytorch is imported lazily (3-5 s import).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import pandas as pd
import torch
from torch import nn

from regbench.errors import InputError
from regbench.predict.enformer_weights import OFFICIAL, enformer_settings, official_weights  # noqa: F401 (re-exported)

#: the TF-computed gamma positional features shipped with enformer-pytorch are (3071, 32): 1,536
#: transformer positions (196,608 bp) and 32 basis functions per class, i.e. dim // heads == 192
TF_GAMMA_LENGTH = 196_608
TF_GAMMA_FEATURES = 192
TARGET_COLUMNS = ["index", "identifier", "file", "clip", "scale", "sum_stat", "description"]


def _set_tf_gamma(model: nn.Module, value: bool) -> None:
    from enformer_pytorch.modeling_enformer import Attention

    for m in model.modules():
        if isinstance(m, Attention):
            m.use_tf_gamma = bool(value)
    model.use_tf_gamma = bool(value)


def _check_tf_gamma(model: nn.Module, source: str) -> None:
    cfg = model.config
    if cfg.dim // cfg.heads != TF_GAMMA_FEATURES:
        raise InputError(
            source, "config.json",
            f"dim // heads == {TF_GAMMA_FEATURES} for use_tf_gamma (the TF gamma features are (3071, 32)); "
            "set enformer.use_tf_gamma: false for a model of another width",
            f"dim={cfg.dim}, heads={cfg.heads}",
        )


def load_enformer(source: str | os.PathLike, use_tf_gamma: bool | None = None, target_length: int | None = None,
                  downloads: Mapping[str, Mapping] | None = None):
    """Load an Enformer from a local ``save_pretrained`` directory or a Hugging Face hub name.

    * ``use_tf_gamma``: True/False as given; ``None`` = :func:`official_weights` (``source``,
      ``downloads``): True for the official weights however they are loaded (hub name, HF cache
      snapshot, or a local copy fetched by a config ``downloads`` entry from the hub repository),
      False for anything else (demo or user models). With True the model must have
      ``dim // heads == 192`` and takes exactly 196,608 bp (enformer-pytorch's precomputed TF gammas).
    * Hub name: the local HF cache is tried first; without network (or with ``HF_HUB_OFFLINE=1``)
      a ``RuntimeError`` names the config key ``enformer.weights`` to point at a local copy.
    * ``target_length``: number of central 128-bp output bins kept (896 for the paper; -1 = all).

    Returns the model in eval mode on the CPU, with ``model.use_tf_gamma`` set.
    """
    from enformer_pytorch import Enformer

    kwargs = {}
    if target_length is not None:
        kwargs["target_length"] = int(target_length)
    src = str(source)
    tf_gamma = bool(use_tf_gamma) if use_tf_gamma is not None else official_weights(src, downloads)
    path = Path(src)
    if path.exists():
        if not path.is_dir() or not (path / "config.json").exists():
            raise InputError(
                path, None, "a directory written by Enformer.save_pretrained (config.json + weights)", "no config.json"
            )
        model = Enformer.from_pretrained(str(path), **kwargs)
    elif src.startswith((".", "/", "results/", "resources/")) or src.count("/") != 1:
        raise InputError(
            src,
            None,
            "an existing local Enformer directory or a Hugging Face hub name (owner/name); "
            "set config key enformer.weights",
            "path does not exist",
        )
    else:
        model = _from_hub(Enformer, src, kwargs)
    if tf_gamma:
        _check_tf_gamma(model, src)
    _set_tf_gamma(model, tf_gamma)
    return model.eval()


def _from_hub(Enformer, src: str, kwargs: dict):
    try:
        return Enformer.from_pretrained(src, local_files_only=True, **kwargs)
    except OSError:
        if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
            raise RuntimeError(
                f"Enformer weights {src!r} are not in the local Hugging Face cache and HF_HUB_OFFLINE is set; "
                "download them on a machine with network (Enformer.from_pretrained(...).save_pretrained(dir, "
                "safe_serialization=False)) and set config key enformer.weights to that directory"
            ) from None
        try:
            return Enformer.from_pretrained(src, **kwargs)
        except OSError as e:
            raise RuntimeError(
                f"could not load Enformer weights {src!r} from the Hugging Face hub ({e.__class__.__name__}: "
                f"{str(e).splitlines()[0] if str(e) else ''}); without network, set config key enformer.weights "
                "to a local directory written by save_pretrained(dir, safe_serialization=False)"
            ) from None


class EnformerHead(nn.Module):
    """One output head of an Enformer as a plain ``(N, L, 4) -> (N, bins, tracks)`` module.

    ``bins = L / 128`` (or the model's ``target_length`` crop); ``tracks`` = the head's width.
    Attributes: ``input_length`` (196,608 with tf gammas, else None = any multiple of 128),
    ``output_bin_size`` 128, ``n_tracks``.
    """

    def __init__(self, enformer: nn.Module, head: str = "human"):
        super().__init__()
        heads = dict(enformer.config.output_heads)
        if head not in heads:
            raise KeyError(f"Enformer has no head {head!r}; heads: {sorted(heads)}")
        self.enformer = enformer
        self.head = head
        self.n_tracks = int(heads[head])
        self.output_bin_size = 128
        self.input_length = 196_608 if getattr(enformer, "use_tf_gamma", False) else None
        self.training = enformer.training  # a wrapper must not flip the wrapped model's mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[-1] != 4:
            raise ValueError(f"EnformerHead expects one-hot (N, L, 4), got shape {tuple(x.shape)}")
        if x.shape[1] % 128:
            raise ValueError(f"EnformerHead: input length {x.shape[1]} is not a multiple of 128")
        if self.input_length is not None and x.shape[1] != self.input_length:
            raise ValueError(
                f"EnformerHead: this Enformer uses the TF gamma positional features (use_tf_gamma, the "
                f"official weights), which need inputs of exactly {self.input_length} bp; got {x.shape[1]}"
            )
        return self.enformer(x, head=self.head)


def read_targets(path: str | os.PathLike) -> pd.DataFrame:
    """Read a Basenji targets table (TSV; columns index, genome, identifier, file, clip, scale,
    sum_stat, description). Row position = output track index of the head (the ``index`` column
    of the mouse table continues after the human tracks, so it is not the track index)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, None, "a Basenji targets table (targets_human.txt / targets_mouse.txt)", "no such file")
    df = pd.read_csv(path, sep="\t", dtype={"identifier": str, "file": str, "description": str})
    if df.columns[0].startswith("Unnamed") or df.columns[0] == "":
        df = df.rename(columns={df.columns[0]: "index"})
    missing = [c for c in TARGET_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(path, "header", f"columns {TARGET_COLUMNS}", f"missing {missing}")
    return df.reset_index(drop=True)


def track_index(targets: pd.DataFrame, description: str) -> int:
    """Row position (= output track index) of the track whose description equals ``description``.

    Exact match after stripping whitespace; an integer-like string is taken as the index itself.
    Raises ``KeyError`` when none or several tracks match (listing close matches).
    """
    desc = targets["description"].astype(str).str.strip()
    hits = [i for i, d in enumerate(desc) if d == description.strip()]
    if len(hits) == 1:
        return hits[0]
    if not hits and description.strip().isdigit() and int(description) < len(targets):
        return int(description)
    if hits:
        raise KeyError(f"track description {description!r} matches several tracks {hits}; give the index instead")
    key = description.split(":")[-1].strip().lower()[:12]
    close = [f"{i}: {d}" for i, d in enumerate(desc) if key and key in d.lower()][:8]
    raise KeyError(f"no track with description {description!r}; similar: {close}")
