"""Engineered haplotypes: designs made of reference segments, payload replacement, window offsets.

Coordinates are 0-based half-open ``[start, end)`` everywhere. Output sequences are upper-case.

Two ways of building an engineered sequence:

1. **Segment designs** (finetune-enformer ``predict_payload.py`` format, extended): a design is an
   ordered list of :class:`Segment`; the engineered sequence is their concatenation. The text form is
   a comma-separated list of ``chrom:start-end[:flag]...``. Positions in the text are **1-based
   inclusive like samtools regions** (``chr3:101-200`` = 0-based ``[100, 200)``), as in the authors'
   code (pysam ``fetch(region=...)``). Flags:

   - ``d``       replace the segment by as many ``N`` (spacing-preserving deletion; authors' ``d``),
   - ``r``       reverse complement the segment in place (inversion; regbench extension, the authors
     passed pre-reverse-complemented sequence through ``f``),
   - ``fPATH``   fetch the interval from another FASTA (authors' ``f``),
   - ``nLABEL``  label reported for the segment (authors' ``n``).

   A segment may also be a literal sequence ``=ACGT...`` (an insertion of new sequence).
   :func:`apply_design` concatenates and returns per-segment output coordinates
   (:class:`Engineered`). Editing helpers on a list of labelled segments implement the design
   operations: :func:`split_locus`, :func:`delete`, :func:`invert`, :func:`mask`, :func:`replace`,
   :func:`insert`, :func:`reorder`.

2. **Payload replacement** (:func:`replace_payload`, finetune-enformer ``make_dataset.py``): a region of
   the reference (paper: mm10 ``chr3:34,732,778-34,772,706``, 39,928 bp) is replaced by a payload
   sequence; the result is padded with reference flanks or centre-cropped to a fixed length (paper
   26,880 bp). The authors' ``context_left[-leftpad:]`` bug (``leftpad == 0`` returns the whole flank) is
   fixed: with ``leftpad == 0`` no left flank is added.

:func:`window_offsets` draws the random window starts (paper: 48 windows of 25,600 bp per payload from the
1,280 offsets ``range(0, 26880 - 25600)``).
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field, replace as _dc_replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from regbench.errors import InputError
from regbench.genome.fasta import Genome, reverse_complement

_REGION = re.compile(r"^(?P<chrom>[^:\s]+):(?P<start>[\d,]+)-(?P<end>[\d,]+)$")
_VALID = re.compile(r"^[ACGTN]*$")


@dataclass(frozen=True)
class Segment:
    """One piece of an engineered sequence.

    ``chrom/start/end`` (0-based half-open) on the reference, or on ``source`` (another FASTA) when
    set; or ``literal`` (new sequence, then chrom is None). ``strand="-"`` = inverted in place,
    ``mask=True`` = replaced by N of the same length. ``label`` names the segment in outputs.
    """

    chrom: str | None = None
    start: int = 0
    end: int = 0
    strand: str = "+"
    mask: bool = False
    label: str | None = None
    source: str | None = None
    literal: str | None = None

    def __len__(self) -> int:
        return len(self.literal) if self.literal is not None else self.end - self.start

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        if self.literal is not None:
            return f"insert{len(self.literal)}"
        return f"{self.chrom}:{self.start}-{self.end}"

    def to_text(self) -> str:
        """Inverse of :func:`parse_segment` (1-based inclusive region text)."""
        if self.literal is not None:
            txt = "=" + self.literal
        else:
            txt = f"{self.chrom}:{self.start + 1}-{self.end}"
            if self.source:
                txt += f":f{self.source}"
        if self.strand == "-":
            txt += ":r"
        if self.mask:
            txt += ":d"
        if self.label:
            txt += f":n{self.label}"
        return txt


@dataclass
class PlacedSegment:
    """Where a segment landed in the engineered sequence (0-based half-open output coordinates)."""

    label: str
    start: int
    end: int
    strand: str
    chrom: str | None
    src_start: int | None
    src_end: int | None
    masked: bool


@dataclass
class Engineered:
    """An engineered sequence and the coordinates of its parts.

    ``segments``: one row per design segment (label, start, end, strand, chrom, src_start, src_end,
    masked) in output coordinates; ``annotations``: features carried through (e.g. DHSs of a payload:
    label, start, end, strand) in output coordinates; ``dropped``: labels of annotations cropped away.
    """

    sequence: str
    segments: list[PlacedSegment] = field(default_factory=list)
    annotations: pd.DataFrame | None = None
    dropped: list[str] = field(default_factory=list)
    offset: int = 0  # output position of payload/first-segment base 0 (negative when cropped)

    def segments_df(self) -> pd.DataFrame:
        cols = ["label", "start", "end", "strand", "chrom", "src_start", "src_end", "masked"]
        return pd.DataFrame([s.__dict__ for s in self.segments], columns=cols)


# ----------------------------------------------------------------------------------------------------
# text format


def parse_segment(text: str, file: str | os.PathLike = "<design>", record: str | None = None) -> Segment:
    """Parse ``chrom:start-end[:flag]...`` (1-based inclusive) or ``=ACGT`` into a :class:`Segment`."""
    text = text.strip()
    where = record or text
    if text.startswith("="):
        parts = text[1:].split(":")
        seq = parts[0].upper()
        if not seq or not _VALID.match(seq):
            raise InputError(file, where, "a literal segment '=SEQ' with SEQ over ACGTN", repr(text))
        flags = parts[1:]
        seg = Segment(literal=seq)
    else:
        # region first: chrom may not contain ':'; flags follow
        m = re.match(r"^([^:\s]+:[\d,]+-[\d,]+)((?::[^:]*)*)$", text)
        if not m:
            raise InputError(file, where, "a segment 'chrom:start-end[:d][:r][:fPATH][:nLABEL]' (1-based inclusive)", repr(text))
        r = _REGION.match(m.group(1))
        start1, end = int(r.group("start").replace(",", "")), int(r.group("end").replace(",", ""))
        if start1 < 1 or end < start1 - 1:
            raise InputError(file, where, "1 <= start <= end + 1 in a 1-based inclusive region", repr(text))
        seg = Segment(chrom=r.group("chrom"), start=start1 - 1, end=end)
        flags = [f for f in m.group(2).split(":") if f != ""] if m.group(2) else []
    for fl in flags:
        if fl == "d":
            seg = _dc_replace(seg, mask=True)
        elif fl == "r":
            seg = _dc_replace(seg, strand="-")
        elif fl.startswith("f") and len(fl) > 1:
            if seg.literal is not None:
                raise InputError(file, where, "no 'f' flag on a literal segment", repr(text))
            seg = _dc_replace(seg, source=fl[1:])
        elif fl.startswith("n") and len(fl) > 1:
            seg = _dc_replace(seg, label=fl[1:])
        else:
            raise InputError(file, where, "segment flags d, r, fPATH or nLABEL", repr(fl))
    return seg


def parse_design(text: str, file: str | os.PathLike = "<design>", record: str | None = None) -> list[Segment]:
    """Comma-separated segments -> list of :class:`Segment`."""
    items = [t for t in text.split(",") if t.strip()]
    if not items:
        raise InputError(file, record, "at least one segment", "an empty segment list")
    return [parse_segment(t, file, record) for t in items]


def format_design(segments: Sequence[Segment]) -> str:
    return ",".join(s.to_text() for s in segments)


def read_designs(path: str | os.PathLike) -> dict[str, list[Segment]]:
    """Read a design TSV ``name<TAB>segments`` (optional header ``name segments``; ``#`` comments).

    Raises InputError naming the file, the row (line number and name) and what was expected.
    """
    out: dict[str, list[Segment]] = {}
    with open(path) as fh:
        for i, line in enumerate(fh, 1):
            line = line.rstrip("\n\r")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if i == 1 and parts[:2] == ["name", "segments"]:
                continue
            if len(parts) != 2 or not parts[0].strip():
                raise InputError(path, f"line {i}", "2 tab-separated columns: name, segments", repr(line[:80]))
            name = parts[0].strip()
            if name in out:
                raise InputError(path, f"line {i} ({name})", "unique design names", "a duplicate name")
            out[name] = parse_design(parts[1], path, f"line {i} ({name})")
    if not out:
        raise InputError(path, None, "at least one design row", "none")
    return out


def write_designs(path: str | os.PathLike, designs: dict[str, Sequence[Segment]]) -> None:
    with open(path, "w") as fh:
        fh.write("name\tsegments\n")
        for name, segs in designs.items():
            fh.write(f"{name}\t{format_design(segs)}\n")


# ----------------------------------------------------------------------------------------------------
# editing a list of labelled segments


def split_locus(chrom: str, start: int, end: int, breaks: Sequence[int], labels: Sequence[str]) -> list[Segment]:
    """Split ``chrom:[start, end)`` at the (absolute, 0-based) ``breaks`` into labelled segments.

    ``len(labels) == len(breaks) + 1``; breaks must be strictly increasing inside (start, end).
    """
    pts = [int(start), *[int(b) for b in breaks], int(end)]
    if len(labels) != len(pts) - 1:
        raise ValueError(f"split_locus: {len(pts) - 1} segments but {len(labels)} labels")
    if any(b <= a for a, b in zip(pts[:-1], pts[1:])):
        raise ValueError(f"split_locus: breaks must be strictly increasing inside [{start}, {end}): {breaks}")
    return [Segment(chrom=chrom, start=a, end=b, label=l) for a, b, l in zip(pts[:-1], pts[1:], labels)]


def _index(segs: Sequence[Segment], label: str) -> int:
    for i, s in enumerate(segs):
        if s.name == label:
            return i
    raise KeyError(f"no segment labelled {label!r} (have {[s.name for s in segs]})")


def _labels(labels: str | Iterable[str]) -> list[str]:
    return [labels] if isinstance(labels, str) else list(labels)


def delete(segs: Sequence[Segment], labels: str | Iterable[str]) -> list[Segment]:
    """Remove the named segments (the sequence shrinks)."""
    drop = {_index(segs, l) for l in _labels(labels)}
    return [s for i, s in enumerate(segs) if i not in drop]


def invert(segs: Sequence[Segment], labels: str | Iterable[str]) -> list[Segment]:
    """Reverse complement the named segments in place (toggles the strand)."""
    idx = {_index(segs, l) for l in _labels(labels)}
    return [_dc_replace(s, strand="-" if s.strand == "+" else "+") if i in idx else s for i, s in enumerate(segs)]


def mask(segs: Sequence[Segment], labels: str | Iterable[str]) -> list[Segment]:
    """Replace the named segments by N of the same length (spacing-preserving deletion)."""
    idx = {_index(segs, l) for l in _labels(labels)}
    return [_dc_replace(s, mask=True) if i in idx else s for i, s in enumerate(segs)]


def replace(segs: Sequence[Segment], label: str, new: Segment | Sequence[Segment]) -> list[Segment]:
    """Replace the named segment by one or more new segments."""
    i = _index(segs, label)
    new = [new] if isinstance(new, Segment) else list(new)
    return [*segs[:i], *new, *segs[i + 1 :]]


def insert(segs: Sequence[Segment], new: Segment | Sequence[Segment], after: str | None = None) -> list[Segment]:
    """Insert new segments after the named one (``after=None``: at the front)."""
    new = [new] if isinstance(new, Segment) else list(new)
    i = 0 if after is None else _index(segs, after) + 1
    return [*segs[:i], *new, *segs[i:]]


def reorder(segs: Sequence[Segment], order: Sequence[str]) -> list[Segment]:
    """Segments in the given label order (each label once; labels not listed are dropped)."""
    if len(set(order)) != len(order):
        raise ValueError(f"reorder: duplicate labels in {order}")
    return [segs[_index(segs, l)] for l in order]


# ----------------------------------------------------------------------------------------------------
# materialising


class _Sources:
    def __init__(self, genome: Genome | None):
        self.genome = genome
        self._other: dict[str, Genome] = {}

    def get(self, seg: Segment) -> Genome:
        if seg.source is None:
            if self.genome is None:
                raise InputError("<design>", seg.name, "a reference genome for reference segments")
            return self.genome
        if seg.source not in self._other:
            self._other[seg.source] = Genome(seg.source)
        return self._other[seg.source]


def segment_sequence(seg: Segment, genome: Genome | None, sources: _Sources | None = None) -> str:
    """The sequence of one segment (strand and mask applied)."""
    if seg.literal is not None:
        seq = seg.literal
    else:
        src = (sources or _Sources(genome)).get(seg)
        seq = src.fetch(seg.chrom, seg.start, seg.end)
    if seg.mask:
        return "N" * len(seq)
    return reverse_complement(seq) if seg.strand == "-" else seq


def apply_design(genome: Genome | None, segments: Sequence[Segment], annotations: pd.DataFrame | None = None) -> Engineered:
    """Concatenate the segments of a design into one sequence.

    ``annotations`` (optional DataFrame chrom, start, end, label [, strand] in **reference**
    coordinates, e.g. DHSs) are carried to output coordinates: every annotation fully inside a
    (non-masked) segment is placed (mirrored and strand-flipped in inverted segments; an annotation
    copied twice by a duplicated segment appears twice). Returns :class:`Engineered`.
    """
    sources = _Sources(genome)
    parts: list[str] = []
    placed: list[PlacedSegment] = []
    ann_rows = []
    pos = 0
    for seg in segments:
        seq = segment_sequence(seg, genome, sources)
        n = len(seq)
        placed.append(PlacedSegment(seg.name, pos, pos + n, seg.strand, seg.chrom, None if seg.literal is not None else seg.start,
                                    None if seg.literal is not None else seg.end, seg.mask))
        if annotations is not None and seg.literal is None and not seg.mask and seg.source is None:
            a = annotations[(annotations["chrom"] == seg.chrom) & (annotations["start"] >= seg.start) & (annotations["end"] <= seg.end)]
            for r in a.itertuples(index=False):
                st = getattr(r, "strand", "+") if "strand" in annotations.columns else "+"
                if seg.strand == "+":
                    s0, e0, strand = pos + r.start - seg.start, pos + r.end - seg.start, st
                else:
                    s0, e0 = pos + seg.end - r.end, pos + seg.end - r.start
                    strand = {"+": "-", "-": "+"}.get(st, st)
                ann_rows.append({"label": r.label, "start": s0, "end": e0, "strand": strand, "segment": seg.name})
        parts.append(seq)
        pos += n
    ann = pd.DataFrame(ann_rows, columns=["label", "start", "end", "strand", "segment"]) if annotations is not None else None
    return Engineered("".join(parts), placed, ann)


# ----------------------------------------------------------------------------------------------------
# payload replacement (finetune-enformer make_dataset.py, with the leftpad == 0 bug fixed)


def replace_payload(
    genome: Genome,
    chrom: str,
    start: int,
    end: int,
    payload: str,
    length: int,
    annotations: pd.DataFrame | None = None,
) -> Engineered:
    """Replace reference ``chrom:[start, end)`` by ``payload`` and pad/crop the result to ``length``.

    - ``len(payload) <= length``: ``pad = length - len(payload)``, ``leftpad = pad // 2``; the output is
      ``genome[start - leftpad : start] + payload + genome[end : end + pad - leftpad]``
      (the authors' code with ``context_left[-0:]`` fixed: ``leftpad == 0`` adds no left flank).
    - ``len(payload) > length``: the payload is centre-cropped:
      ``crop = (len - length) // 2``; output = ``payload[crop : crop + length]``.

    ``annotations``: DataFrame (label, start, end [, strand]) in **payload** coordinates (the DHS BED
    of the payload); returned shifted to output coordinates. Annotations not fully inside the output
    are dropped (``Engineered.dropped``; the authors printed them as "Dropout sites").
    ``Engineered.offset`` = output position of payload base 0 (``leftpad``, or ``-crop``).
    Segments: ``context_left``, ``payload``, ``context_right`` (empty ones omitted).
    """
    payload = payload.upper()
    n = len(payload)
    length = int(length)
    if length <= 0:
        raise ValueError(f"replace_payload: length must be positive, got {length}")
    segs: list[PlacedSegment] = []
    if n <= length:
        pad = length - n
        leftpad = pad // 2
        rightpad = pad - leftpad
        left = genome.fetch(chrom, start - leftpad, start) if leftpad > 0 else ""
        right = genome.fetch(chrom, end, end + rightpad) if rightpad > 0 else ""
        seq = left + payload + right
        offset = leftpad
        if leftpad:
            segs.append(PlacedSegment("context_left", 0, leftpad, "+", chrom, start - leftpad, start, False))
        segs.append(PlacedSegment("payload", leftpad, leftpad + n, "+", None, 0, n, False))
        if rightpad:
            segs.append(PlacedSegment("context_right", leftpad + n, length, "+", chrom, end, end + rightpad, False))
    else:
        crop = (n - length) // 2
        seq = payload[crop : crop + length]
        offset = -crop
        segs.append(PlacedSegment("payload", 0, length, "+", None, crop, crop + length, False))
    assert len(seq) == length, (len(seq), length)
    ann = None
    dropped: list[str] = []
    if annotations is not None:
        a = annotations.copy()
        a["start"] = a["start"].astype(int) + offset
        a["end"] = a["end"].astype(int) + offset
        keep = (a["start"] >= 0) & (a["end"] <= length)
        dropped = [str(x) for x in a.loc[~keep, "label"]]
        ann = a.loc[keep].reset_index(drop=True)
    return Engineered(seq, segs, ann, dropped, offset)


# ----------------------------------------------------------------------------------------------------
# windows


def window_offsets(seq_length: int, window: int, n: int, rng: np.random.Generator, stride: int = 1) -> np.ndarray:
    """``n`` window starts drawn without replacement from ``range(0, seq_length - window, stride)``.

    The candidate range follows the authors' ``generate_offsets`` (``np.arange(0, L - W, stride)``:
    1,280 offsets for 26,880/25,600). If fewer candidates than ``n`` exist, all are returned (sorted
    draw order kept). ``seq_length == window`` gives the single offset 0.
    """
    cand = np.arange(0, max(seq_length - window, 1), stride)
    if seq_length < window:
        raise ValueError(f"window_offsets: window {window} longer than sequence {seq_length}")
    if n >= len(cand):
        return cand.copy()
    return np.sort(rng.choice(cand, size=n, replace=False))
