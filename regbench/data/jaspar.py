"""JASPAR matrices from pyjaspar's bundled SQLite database (offline: no network).

Position probability matrices (PPMs) are ``(W, 4)`` float64 in ACGT order, each row the counts
of that position divided by their sum (the one conversion from JASPAR counts in the package:
the demo worlds' planted motifs, the accessibility study's Tomtom targets).
"""

from __future__ import annotations

import numpy as np

ALPHABET = "ACGT"


def ppm(motif) -> np.ndarray:
    """``(W, 4)`` float64 PPM of a pyjaspar / Bio.motifs motif (counts / row sums)."""
    counts = np.array([motif.counts[b] for b in ALPHABET], dtype=np.float64).T  # (W, 4)
    return counts / counts.sum(axis=1, keepdims=True)


def motifs_by_id(matrix_ids, release: str = "JASPAR2022") -> dict:
    """``{matrix_id: motif}`` for versioned IDs (e.g. ``MA0139.1``); KeyError naming a missing one."""
    from pyjaspar import jaspardb

    db = jaspardb(release=release)
    out = {}
    for mid in matrix_ids:
        m = db.fetch_motif_by_id(mid)
        if m is None:
            raise KeyError(f"{release}: matrix {mid} not found in pyjaspar's database")
        out[mid] = m
    return out


def collection_ppms(release: str = "JASPAR2022", collection: str = "CORE",
                    tax_group: str = "vertebrates") -> dict[str, np.ndarray]:
    """PPMs of a whole collection: ``{"<matrix_id>_<name>": (W, 4)}``."""
    from pyjaspar import jaspardb

    motifs = jaspardb(release=release).fetch_motifs(collection=collection, tax_group=[tax_group])
    return {f"{m.matrix_id}_{m.name}": ppm(m) for m in motifs}
