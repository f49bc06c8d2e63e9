"""Glue between Snakemake ``script:`` adapters and the library: logging, seeds, atomic outputs.

Every script under ``scripts/`` starts with::

    from regbench.workflow import script_run
    with script_run(snakemake) as log:
        ...

which sends logging and stderr to the rule's log file, seeds numpy/torch from ``params.seed`` (or
``config['seed']``), limits torch to the job's threads, and removes declared outputs if the body
raises so a failed job leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def get_logger(name: str = "regbench") -> logging.Logger:
    return logging.getLogger(name)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and (if imported) torch; make torch deterministic on CPU."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` only on success.

    Works for files and directories (the body creates whatever it wants at the temp path).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = suffix if suffix is not None else "".join(path.suffixes)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    tmp = Path(tmp)
    try:
        yield tmp
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()


def _remove_outputs(paths) -> None:
    for p in paths:
        p = Path(p)
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        elif p.exists() or p.is_symlink():
            p.unlink()


@contextlib.contextmanager
def script_run(smk) -> Iterator[logging.Logger]:
    """Context for a Snakemake script: log to ``smk.log[0]``, seed, threads, clean failure."""
    log_file = smk.log[0] if len(smk.log) else None
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    stream = None
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        stream = open(log_file, "a", buffering=1)
        handlers = [logging.StreamHandler(stream)]
        sys.stderr = stream
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, handlers=handlers, force=True)
    log = get_logger(f"regbench.{smk.rule}")
    mirror = (getattr(smk, "config", None) or {}).get("downloads_mirror")
    if mirror:
        from regbench.data.download import MIRROR_ENV

        os.environ[MIRROR_ENV] = str(mirror)
    threads = int(getattr(smk, "threads", 1) or 1)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    seed = smk.params.get("seed", None) if hasattr(smk.params, "get") else None
    if seed is None:
        seed = smk.config.get("seed", 0)
    seed_everything(int(seed))
    log.info("rule %s wildcards=%s threads=%d seed=%s", smk.rule, dict(smk.wildcards), threads, seed)
    try:
        yield log
    except BaseException:
        log.exception("rule %s failed; removing its outputs", smk.rule)
        _remove_outputs(list(smk.output))
        raise
    finally:
        if stream is not None:
            stream.flush()
