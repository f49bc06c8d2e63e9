"""The three team data recipes (DataProcessors) of the DREAM top-3 and the follow-up encoders.

All encoders return channels-last float32 arrays ``(N, L, C)`` (the house layout); the channel
order inside the one-hot part is the team's own alphabet, built on
:func:`regbench.genome.onehot.one_hot`'s ``alphabet`` argument:

| recipe | length | channels |
|---|---|---|
| Autosome.org (LegNet) | 150 (plasmid 5' padding) | A, G, C, T, rev, is_singleton (N = zeros) |
| BHI (DeepGXP) | 110 (vector padding / right trim) | A, C, G, T |
| Unlock_DNA | 200 = 100 (N-padded random region) + its reverse complement | A, C, G, T, N, M(mask) |
| Drosophila / human follow-ups | 249 / 230 | A, G, C, T, rev |

Targets: Autosome trains on 18-bin soft labels N(y + 0.5, 0.5) (:func:`soft_labels`), BHI on
``(y - 11) / std``, Unlock_DNA on z-scored y.
"""

from __future__ import annotations

import json
import os

import numpy as np

from regbench.errors import InputError
from regbench.genome.fasta import reverse_complement
from regbench.genome.onehot import one_hot
from regbench.studies.dream.data import ADAPTER_3, ADAPTER_5

AUTOSOME_ALPHABET = "AGCT"
BHI_ALPHABET = "ACGT"
#: Unlock_DNA tokens; N is its own channel (encoded through the placeholder letter X)
UNLOCK_ALPHABET = "ACGTXM"
BHI_VECTOR_LEFT = "GCTAGCAGGAATGATGCAAAAGGTTCCCGATTCGAAC"
BHI_VECTOR_RIGHT = "TCTTAATTAAAAAAAGATAGAAAACATTAGGAGTGTAACACAAGACTTTCGGATCCTGAGCAGGCAAGATAAACGA"
N_BINS = 18


# --- Autosome.org ---------------------------------------------------------------------------


def read_plasmid(path: str | os.PathLike) -> str:
    """The vector sequence of ``plasmid.json`` (a JSON string with an ``N``x80 insert placeholder)."""
    with open(path) as fh:
        plasmid = json.load(fh)
    if not isinstance(plasmid, str) or "N" * 80 not in plasmid:
        raise InputError(path, None, "a JSON string holding the vector with an N x 80 insert placeholder")
    return plasmid.upper()


def autosome_pad(seqs, plasmid: str, seqsize: int = 150) -> list[str]:
    """LegNet's 5' padding: replace the 17-bp 5' adapter by the plasmid upstream of the insert
    (which ends with the same adapter) and keep the last ``seqsize`` bp. Longer sequences are
    cut from the 5' end, as in ``prixfixe/autosome/utils.preprocess_data``."""
    start = plasmid.find("N" * 80)
    add = plasmid[max(0, start - seqsize) : start]
    out = [(add + s[len(ADAPTER_5) :])[-seqsize:] for s in seqs]
    short = [i for i, s in enumerate(out) if len(s) != seqsize]
    if short:
        raise InputError("<plasmid>", f"sequence {short[0]}", f"{seqsize} bp after padding", f"{len(out[short[0]])} bp")
    return out


def autosome_encode(seqs, rev, singleton, n_value: float = 0.0) -> np.ndarray:
    """(N, L, 6): one-hot A,G,C,T (N -> ``n_value``: 0 in the Prix Fixe port, 0.25 in the 2022
    LegNet submission's ``Seq2Tensor``), constant ``rev`` and ``is_singleton`` channels."""
    x = one_hot(list(seqs), alphabet=AUTOSOME_ALPHABET, n_value=n_value)
    n, length = x.shape[:2]
    extra = np.empty((n, length, 2), dtype=np.float32)
    extra[:, :, 0] = np.asarray(rev, dtype=np.float32).reshape(-1, 1)
    extra[:, :, 1] = np.asarray(singleton, dtype=np.float32).reshape(-1, 1)
    return np.concatenate([x, extra], axis=2)


def autosome_train_arrays(seqs, y, singleton, plasmid: str, seqsize: int = 150, use_rc: bool = True):
    """Training arrays of the Autosome recipe: every sequence and (``use_rc``) its reverse
    complement with rev = 0/1, the singleton flag, and y (N, 1). Returns (x, y)."""
    padded = autosome_pad(seqs, plasmid, seqsize)
    y = np.asarray(y, dtype=np.float32).reshape(-1, 1)
    s = np.asarray(singleton, dtype=np.float32)
    if not use_rc:
        return autosome_encode(padded, np.zeros(len(padded)), s), y
    rc = [reverse_complement(p) for p in padded]
    x = autosome_encode(padded + rc, np.r_[np.zeros(len(padded)), np.ones(len(rc))], np.r_[s, s])
    return x, np.concatenate([y, y])


def autosome_predict_inputs(seqs, plasmid: str, seqsize: int = 150, n_value: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(forward, reverse-complement) inputs for inference: rev = 0 / 1, is_singleton = 0."""
    padded = autosome_pad(seqs, plasmid, seqsize)
    rc = [reverse_complement(p) for p in padded]
    zeros = np.zeros(len(padded))
    return autosome_encode(padded, zeros, zeros, n_value), autosome_encode(rc, zeros + 1, zeros, n_value)


def soft_labels(y, shift: float = 0.5, scale: float = 0.5, n_bins: int = N_BINS) -> np.ndarray:
    """(N, n_bins) class probabilities of N(y + shift, scale) over the edges [-inf, 1..17, inf]."""
    edges = np.r_[-np.inf, np.arange(1, n_bins), np.inf]
    from scipy.stats import norm

    cdf = norm.cdf(edges[None, :], loc=np.asarray(y, dtype=np.float64).reshape(-1, 1) + shift, scale=scale)
    return np.diff(cdf, axis=1).astype(np.float32)


# --- BHI ------------------------------------------------------------------------------------


def bhi_pad(seqs, length: int = 110, rng: np.random.Generator | None = None, mode: str = "random") -> list[str]:
    """BHI's vector padding to ``length``: longer sequences are trimmed from the right, shorter ones
    filled with vector sequence on the right, left or both sides (``mode="random"``: chosen per
    sequence with probabilities 3:4:2 from ``rng``; or fixed ``"right"``, ``"left"``, ``"both"``)."""
    out = []
    modes = ("right", "left", "both")
    for s in seqs:
        if len(s) >= length:
            out.append(s[:length])
            continue
        k = length - len(s)
        m = modes[rng.choice(3, p=[3 / 9, 4 / 9, 2 / 9])] if mode == "random" else mode
        if m == "right":
            out.append(s + BHI_VECTOR_RIGHT[:k])
        elif m == "left":
            out.append(BHI_VECTOR_LEFT[len(BHI_VECTOR_LEFT) - k :] + s)
        else:
            kl = k // 2
            out.append((BHI_VECTOR_LEFT[len(BHI_VECTOR_LEFT) - kl :] if kl else "") + s + BHI_VECTOR_RIGHT[: k - kl])
    return out


def bhi_encode(seqs) -> np.ndarray:
    """(N, 110, 4) one-hot A,C,G,T (N -> zeros)."""
    return one_hot(list(seqs), alphabet=BHI_ALPHABET)


def bhi_shifted(seqs, shift: int, length: int = 110) -> list[str]:
    """BHI test-time shift: move the sequence by ``shift`` bp inside its vector context
    (positive = to the right, filled from ``...CGATTCGAAC``; negative = to the left, filled
    from ``TCTTAATTAA...``); length stays ``length``."""
    if shift == 0:
        return list(seqs)
    if shift > 0:
        return [(BHI_VECTOR_LEFT[-shift:] + s)[:length] for s in seqs]
    return [(s + BHI_VECTOR_RIGHT[:-shift])[-length:] for s in seqs]


# --- Unlock_DNA -----------------------------------------------------------------------------


def unlock_tokens(seqs, length: int = 100) -> list[str]:
    """Random region (adapters stripped), N-padded on both sides to ``length`` (longer: cut to
    ``length``; the team dropped such training sequences), followed by its reverse complement:
    2 x ``length`` letters."""
    out = []
    for s in seqs:
        core = s
        if core.startswith(ADAPTER_5):
            core = core[len(ADAPTER_5) :]
        if core.endswith(ADAPTER_3):
            core = core[: -len(ADAPTER_3)]
        core = core[:length]
        k = length - len(core)
        padded = "N" * (k // 2) + core + "N" * (k - k // 2)
        out.append(padded + reverse_complement(padded))
    return out


def unlock_encode(tokens) -> np.ndarray:
    """(N, 200, 6) one-hot over A, C, G, T, N, M (mask channel zero; set by masking)."""
    return one_hot([t.replace("N", "X") for t in tokens], alphabet=UNLOCK_ALPHABET)


# --- follow-ups -----------------------------------------------------------------------------


def followup_encode(seqs, rev) -> np.ndarray:
    """(N, L, 5) one-hot A,G,C,T + rev channel (Drosophila / human Prix Fixe notebooks)."""
    x = one_hot(list(seqs), alphabet=AUTOSOME_ALPHABET)
    r = np.broadcast_to(np.asarray(rev, dtype=np.float32).reshape(-1, 1, 1), (x.shape[0], x.shape[1], 1))
    return np.concatenate([x, r], axis=2)
