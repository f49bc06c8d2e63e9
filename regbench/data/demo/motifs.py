"""Real JASPAR 2022 position weight matrices for the demo world (read offline through pyjaspar).

Matrices are (L, 4) float64 probability arrays in A, C, G, T order. Sequences are handled as
uint8 code arrays (0=A, 1=C, 2=G, 3=T) to keep the generator vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALPHABET = "ACGT"
_CODE = {b: i for i, b in enumerate(ALPHABET)}


@dataclass(frozen=True)
class Pwm:
    """One JASPAR matrix: ``probs`` (L, 4) ACGT probabilities (pseudocount 0.8 per base)."""

    matrix_id: str
    name: str
    probs: np.ndarray

    @property
    def length(self) -> int:
        return self.probs.shape[0]

    def log_odds(self) -> np.ndarray:
        """(L, 4) log2(p / 0.25)."""
        return np.log2(self.probs / 0.25)

    def score(self, codes: np.ndarray) -> float:
        """Log-odds score (bits) of a (L,) code array read in the matrix orientation."""
        lo = self.log_odds()
        return float(lo[np.arange(self.length), codes].sum())

    def max_score(self) -> float:
        return float(self.log_odds().max(axis=1).sum())

    def consensus(self) -> str:
        return "".join(ALPHABET[i] for i in self.probs.argmax(axis=1))


def load_pwms(matrix_ids: list[str], release: str = "JASPAR2022") -> dict[str, Pwm]:
    """Matrices by versioned ID (:mod:`regbench.data.jaspar`, offline) as PWMs with a pseudocount:
    the PPM as counts per 100 sites plus 0.8, renormalised."""
    from regbench.data import jaspar

    out: dict[str, Pwm] = {}
    for mid, m in jaspar.motifs_by_id(matrix_ids, release).items():
        counts = jaspar.ppm(m) * 100.0 + 0.8
        out[mid] = Pwm(mid, str(m.name), counts / counts.sum(axis=1, keepdims=True))
    return out


def sample_instance(
    pwm: Pwm, rng: np.random.Generator, temperature: float = 0.5, min_rel_score: float = 0.7
) -> np.ndarray:
    """Draw one binding site (L,) codes from the PWM sharpened by ``temperature``.

    Rejection-samples until the log-odds score reaches ``min_rel_score`` x the maximum (at most
    50 draws, then the best draw is returned), so planted sites are recognisable instances.
    """
    p = pwm.probs ** (1.0 / temperature)
    p = p / p.sum(axis=1, keepdims=True)
    cum = np.cumsum(p, axis=1)
    best, best_score = None, -np.inf
    target = min_rel_score * pwm.max_score()
    for _ in range(50):
        u = rng.random(pwm.length)
        codes = (u[:, None] > cum).sum(axis=1).clip(0, 3).astype(np.uint8)
        s = pwm.score(codes)
        if s > best_score:
            best, best_score = codes, s
        if s >= target:
            break
    return best


def revcomp_codes(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of a code array (A<->T, C<->G)."""
    return (3 - codes[::-1]).astype(np.uint8)


def encode(seq: str) -> np.ndarray:
    """ACGT string -> (L,) uint8 codes (raises KeyError on other letters)."""
    return np.array([_CODE[b] for b in seq.upper()], dtype=np.uint8)


def decode(codes: np.ndarray) -> str:
    return "".join(ALPHABET[int(c)] for c in codes)
