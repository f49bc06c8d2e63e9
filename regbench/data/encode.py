"""Resolve ENCODE experiment files (ENCSR... -> one ENCFF... per output type and replicate) through
the ENCODE REST API, download them with :func:`regbench.data.download.download` and write a
provenance record.

Query (one per experiment, output type and replicate; specs/accessibility.md §1.2)::

    <base>/search/?type=File&dataset=/experiments/<ENCSR>/&assembly=GRCh38
        &output_type=fold+change+over+control&biological_replicates=1&format=json&limit=all

The portal's ``biological_replicates=1`` filter also matches pooled files (``[1, 2]``), so the
answer's ``@graph`` is filtered again here. Selection rules (:func:`select_file`), in order:

1. keep a record only if ``status == "released"``, ``assembly`` is the requested one,
   ``output_type`` is the requested one, ``file_format`` is the requested one (``bigWig`` for
   fold change, ``bed`` for IDR thresholded peaks) and ``biological_replicates`` is exactly
   ``[rep]`` (a single-replicate file, not a pooled one); every rejected record is kept with the
   reason, for the provenance and for error messages;
2. if several remain and some have ``preferred_default: true`` (the portal's flag on the files of
   an experiment's default analysis), keep only those;
3. if several still remain, keep those with the newest ``date_created`` (a reprocessing of the
   same data supersedes the earlier one);
4. exactly one must remain: zero records, or a tie after rule 3, raise
   :class:`regbench.errors.InputError` naming the experiment, the query URL and every candidate
   with its reason; the fix is a pinned accession in config.

A *pinned* accession skips the search: its metadata comes from ``<base>/files/<ENCFF>/?format=json``
(md5sum, href), and it must belong to the experiment and have the requested output type, format,
assembly and replicate (a typo in a pin fails instead of downloading the wrong file).

The file is downloaded from ``<base><href>`` and verified against the portal's ``md5sum``; the
provenance record (:func:`fetch_encode_file`) holds the experiment, the chosen accession, md5,
download URL, query URL, the rule that chose it and every candidate.

Command line (shows the selection and every candidate as JSON, downloads nothing):
``python -m regbench.data.encode ENCSR591PIX fc 1 [--assembly GRCh38] [--base URL] [--pinned ENCFF...]``.
With internet, checking the rules against the verified GOPHER files is
``python -m regbench.data.encode ENCSR591PIX fc 1`` (expect ENCFF185TQC), ``... peaks 1``
(ENCFF953NZY), ``... fc 2`` (ENCFF174PXJ), and the same for PC-3 / ENCSR499ASS.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Mapping, Sequence

from regbench.data.download import ENCODE_BASE, DownloadError, download
from regbench.errors import InputError

log_default = logging.getLogger(__name__)

# kind -> (ENCODE output_type, file_format)
KINDS = {
    "fc": ("fold change over control", "bigWig"),
    "peaks": ("IDR thresholded peaks", "bed"),
    # DNase-seq signal of the ENCODE DNase pipeline (synthetic_loci: mESC DNase, mm10)
    "dnase_signal": ("read-depth normalized signal", "bigWig"),
}
FIELDS = ("accession", "status", "assembly", "output_type", "file_format", "biological_replicates",
          "preferred_default", "date_created", "md5sum", "file_size", "href")


@dataclass(frozen=True)
class FileRequest:
    """One wanted file: experiment ``ENCSR...``, ``kind`` (``fc`` | ``peaks`` | ``dnase_signal``), biological replicate."""

    experiment: str
    kind: str
    replicate: int
    assembly: str = "GRCh38"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise InputError("config accessibility.encode", self.experiment, f"file kind in {sorted(KINDS)}", repr(self.kind))

    @property
    def output_type(self) -> str:
        return KINDS[self.kind][0]

    @property
    def file_format(self) -> str:
        return KINDS[self.kind][1]

    def describe(self) -> str:
        return f"{self.experiment} {self.output_type!r} ({self.file_format}, {self.assembly}) biological replicate [{self.replicate}]"


@dataclass
class Resolved:
    """The chosen file: ``url`` is the download URL, ``query`` the search URL (None when pinned)."""

    request: FileRequest
    accession: str
    md5sum: str
    url: str
    query: str | None
    reason: str
    file_size: int | None = None
    pinned: bool = False
    candidates: list[dict] = field(default_factory=list)


def search_url(req: FileRequest, base: str = ENCODE_BASE) -> str:
    """The ENCODE search URL of the spec (§1.2) for one request, plus ``limit=all``."""
    params = [
        ("type", "File"),
        ("dataset", f"/experiments/{req.experiment}/"),
        ("assembly", req.assembly),
        ("output_type", req.output_type),
        ("biological_replicates", str(req.replicate)),
        ("format", "json"),
        ("limit", "all"),
    ]
    return f"{base.rstrip('/')}/search/?" + urllib.parse.urlencode(params, safe="/")


def file_url(accession: str, base: str = ENCODE_BASE) -> str:
    """Metadata URL of one file: ``<base>/files/<ENCFF>/?format=json``."""
    return f"{base.rstrip('/')}/files/{accession}/?format=json"


def get_json(url: str, retries: int = 3, backoff: float = 2.0, timeout: float = 60.0,
             sleep: Callable[[float], None] = time.sleep, log: logging.Logger | None = None) -> dict:
    """GET ``url`` as JSON, retrying connection errors, timeouts and HTTP 429/5xx.

    The ENCODE search answers HTTP 404 with a JSON body when nothing matches; that body is returned
    (its ``@graph`` is empty). Raises :class:`DownloadError` on other failures."""
    import requests

    from regbench.data.download import http_get, with_retries

    def attempt():
        r = http_get(url, timeout=timeout, headers={"Accept": "application/json"})
        if r.status_code == 429 or r.status_code >= 500:
            raise requests.ConnectionError(f"HTTP {r.status_code}")
        if r.status_code == 404:
            try:
                body = r.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and "@graph" in body:
                return body
            raise DownloadError(f"{url}: HTTP 404 (not found)")
        if r.status_code >= 400:
            raise DownloadError(f"{url}: HTTP {r.status_code} {r.reason}")
        try:
            return r.json()
        except ValueError as e:
            raise DownloadError(f"{url}: the answer is not JSON ({e})") from None

    return with_retries(attempt, (requests.ConnectionError, requests.Timeout), retries, backoff,
                        log or log_default, url, sleep, prefix=f"{url}: ")


def _problems(rec: Mapping, req: FileRequest) -> list[str]:
    """Every way a metadata record differs from the requested file (empty: it is a candidate)."""
    out = []
    for key, want in (("status", "released"), ("assembly", req.assembly), ("output_type", req.output_type),
                      ("file_format", req.file_format)):
        if rec.get(key) != want:
            out.append(f"{key} {rec.get(key)!r} != {want!r}")
    reps = rec.get("biological_replicates")
    try:
        exact = isinstance(reps, list) and [int(x) for x in reps] == [req.replicate]
    except (TypeError, ValueError):
        exact = False
    if not exact:
        out.append(f"biological_replicates {reps!r} != [{req.replicate}]")
    if not rec.get("md5sum") or not rec.get("href"):
        out.append("no md5sum/href in the metadata")
    return out


def _rejection(rec: Mapping, req: FileRequest) -> str | None:
    """Why a search record is not the requested file (None: it is a candidate)."""
    probs = _problems(rec, req)
    return "; ".join(probs) if probs else None


def _summary(rec: Mapping, verdict: str) -> dict:
    out = {k: rec.get(k) for k in FIELDS if k not in ("href",)}
    out["verdict"] = verdict
    return out


def _candidates_text(cands: Sequence[Mapping]) -> str:
    if not cands:
        return "no records"
    return "; ".join(
        f"{c.get('accession')} [{c.get('status')}, {c.get('assembly')}, {c.get('file_format')}, "
        f"reps {c.get('biological_replicates')}, preferred_default {c.get('preferred_default')}, "
        f"created {c.get('date_created')}]: {c['verdict']}"
        for c in cands
    )


def select_file(graph: Sequence[Mapping], req: FileRequest, query: str = "") -> tuple[dict, str, list[dict]]:
    """Apply the module's selection rules to the search ``@graph`` records.

    Returns ``(record, reason, candidates)``; ``candidates`` lists every record with its verdict
    ("chosen", "rejected: ..."). Raises InputError when zero records pass or a tie remains."""
    verdicts: dict[int, str] = {}
    kept = []
    for i, rec in enumerate(graph):
        why = _rejection(rec, req)
        if why:
            verdicts[i] = f"rejected: {why}"
        else:
            kept.append(i)
    reason = "the only record passing the filters (released, assembly, output type, format, exact replicate)"
    n_pass = len(kept)
    if len(kept) > 1:
        reason = f"{n_pass} records pass the filters"
        pref = [i for i in kept if graph[i].get("preferred_default") is True]
        if pref and len(pref) < len(kept):
            for i in set(kept) - set(pref):
                verdicts[i] = "rejected: another candidate has preferred_default true"
            kept = pref
            reason += f"; {len(pref)} with preferred_default true"
        if len(kept) > 1:
            newest = max(str(graph[i].get("date_created") or "") for i in kept)
            top = [i for i in kept if str(graph[i].get("date_created") or "") == newest]
            if newest and len(top) < len(kept):
                for i in set(kept) - set(top):
                    verdicts[i] = f"rejected: older date_created than {newest}"
                kept = top
                reason += f"; the newest date_created ({newest})"
    for i in kept:
        verdicts[i] = "ambiguous: tie after all rules" if len(kept) > 1 else "chosen"
    cands = [_summary(rec, verdicts[i]) for i, rec in enumerate(graph)]
    where = f"ENCODE query {query}" if query else "ENCODE search answer"
    if not kept:
        raise InputError(where, req.experiment, f"exactly one {req.describe()}",
                         f"none among {len(graph)} records: {_candidates_text(cands)}; "
                         "check the experiment accession or pin a file in config accessibility.encode")
    if len(kept) > 1:
        raise InputError(where, req.experiment, f"exactly one {req.describe()}",
                         f"{len(kept)} equally ranked files: {_candidates_text(cands)}; "
                         "pin one in config accessibility.encode.cells.<cell>.pinned")
    return dict(graph[kept[0]]), reason, cands


def resolve(req: FileRequest, base: str = ENCODE_BASE, pinned: str | None = None, retries: int = 3,
            timeout: float = 60.0, sleep: Callable[[float], None] = time.sleep,
            log: logging.Logger | None = None) -> Resolved:
    """Choose the file of ``req`` (search + :func:`select_file`, or the ``pinned`` ENCFF accession)."""
    log = log or log_default
    base = base.rstrip("/")
    if pinned:
        url = file_url(pinned, base)
        rec = get_json(url, retries=retries, timeout=timeout, sleep=sleep, log=log)
        probs = _problems(rec, req)
        dataset = str(rec.get("dataset", ""))
        if dataset.rstrip("/").split("/")[-1] != req.experiment:
            probs.append(f"dataset {dataset!r} is not /experiments/{req.experiment}/")
        fatal = [p for p in probs if not p.startswith("status")]
        if fatal:
            raise InputError(url, pinned, f"the pinned file to be {req.describe()}", "; ".join(fatal))
        why = "; ".join(probs)
        if why:
            log.warning("pinned %s: %s (used anyway: it is pinned)", pinned, why)
        cands = [_summary(rec, "chosen (pinned)" + (f"; warning: {why}" if why else ""))]
        return Resolved(req, pinned, rec["md5sum"], base + rec["href"], None,
                        "pinned in config (search skipped)", rec.get("file_size"), True, cands)
    query = search_url(req, base)
    body = get_json(query, retries=retries, timeout=timeout, sleep=sleep, log=log)
    graph = body.get("@graph", []) if isinstance(body, dict) else []
    rec, reason, cands = select_file(graph, req, query)
    log.info("%s -> %s (%s)", req.describe(), rec["accession"], reason)
    return Resolved(req, rec["accession"], rec["md5sum"], base + rec["href"], query, reason,
                    rec.get("file_size"), False, cands)


def provenance(res: Resolved, dest: str | os.PathLike, label: str | None = None) -> dict:
    """JSON-able provenance record of one resolved (and downloaded) file."""
    return {
        "label": label,
        "path": str(dest),
        "experiment": res.request.experiment,
        "output_type": res.request.output_type,
        "file_format": res.request.file_format,
        "assembly": res.request.assembly,
        "biological_replicate": res.request.replicate,
        "accession": res.accession,
        "md5sum": res.md5sum,
        "file_size": res.file_size,
        "url": res.url,
        "query": res.query,
        "pinned": res.pinned,
        "reason": res.reason,
        "candidates": res.candidates,
        "retrieved_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def fetch_encode_file(req: FileRequest, dest: str | os.PathLike, provenance_path: str | os.PathLike,
                      base: str = ENCODE_BASE, pinned: str | None = None, label: str | None = None,
                      retries: int = 3, timeout: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                      log: logging.Logger | None = None) -> dict:
    """Resolve ``req``, download it to ``dest`` (md5-verified, atomic, resumable) and write the
    provenance JSON to ``provenance_path`` (atomically, after the download). Returns the record."""
    from regbench.workflow import atomic_path

    log = log or log_default
    res = resolve(req, base=base, pinned=pinned, retries=retries, timeout=timeout, sleep=sleep, log=log)
    log.info("%s: %s %s (md5 %s) from %s", label or req.experiment, "pinned" if res.pinned else "resolved",
             res.accession, res.md5sum, res.url)
    download(res.url, dest, md5=res.md5sum, retries=retries, timeout=timeout, log=log, sleep=sleep)
    rec = provenance(res, dest, label)
    Path(provenance_path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(provenance_path) as tmp:
        Path(tmp).write_text(json.dumps(rec, indent=2) + "\n")
    return rec


def fetch_from_config(spec: Mapping, dest: str | os.PathLike, provenance_path: str | os.PathLike,
                      log: logging.Logger | None = None) -> dict:
    """:func:`fetch_encode_file` from a rule's params ``{experiment, kind, replicate, replicates?,
    assembly?, pinned?, base_url?, retries?, timeout?, label?}`` (rules/common/accessibility.smk).
    ``replicates``: the experiment's number of biological replicates; asking for a higher one fails
    before any request."""
    req = FileRequest(spec["experiment"], spec["kind"], int(spec["replicate"]), spec.get("assembly", "GRCh38"))
    n_reps = spec.get("replicates")
    if n_reps is not None and req.replicate > int(n_reps) and not spec.get("pinned"):
        raise InputError("config accessibility.encode", f"{spec.get('label') or req.experiment}",
                         f"a replicate <= {n_reps} ({req.experiment} has {n_reps} biological replicate(s) in config)",
                         f"a request for {req.describe()}; a single-replicate experiment has no rep2 for the replicate ceiling")
    return fetch_encode_file(
        req, dest, provenance_path, base=spec.get("base_url") or ENCODE_BASE, pinned=spec.get("pinned"),
        label=spec.get("label"), retries=int(spec.get("retries", 3)), timeout=float(spec.get("timeout", 120)), log=log,
    )


PROVENANCE_COLUMNS = ["label", "experiment", "output_type", "biological_replicate", "accession", "md5sum",
                      "file_size", "pinned", "reason", "url", "query", "path", "retrieved_utc"]


def provenance_table(json_paths: Sequence[str | os.PathLike], out: str | os.PathLike):
    """One TSV row per provenance JSON (columns :data:`PROVENANCE_COLUMNS`), in the given order."""
    import pandas as pd

    from regbench.workflow import atomic_path

    rows = []
    for p in json_paths:
        rec = json.loads(Path(p).read_text())
        rows.append({k: rec.get(k) for k in PROVENANCE_COLUMNS})
    df = pd.DataFrame(rows, columns=PROVENANCE_COLUMNS)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False)
    return df


def _main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Show which ENCODE file the resolver picks (no download).")
    ap.add_argument("experiment")
    ap.add_argument("kind", choices=sorted(KINDS))
    ap.add_argument("replicate", type=int)
    ap.add_argument("--assembly", default="GRCh38")
    ap.add_argument("--base", default=ENCODE_BASE)
    ap.add_argument("--pinned")
    a = ap.parse_args(argv)
    res = resolve(FileRequest(a.experiment, a.kind, a.replicate, a.assembly), base=a.base, pinned=a.pinned)
    print(json.dumps(asdict(res), indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
