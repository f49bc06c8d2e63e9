"""Glue between Snakemake ``script:`` adapters and the library: logging, seeds, atomic outputs.

Every script under ``scripts/`` starts with::

    from regbench.workflow import script_run
    with script_run(snakemake) as log:
        ...

which sends logging and stderr to the rule's log file, seeds python/numpy/torch from
``params.seed`` (or ``config['seed']``), limits torch to the job's threads, and removes declared
outputs if the body raises so a failed job leaves nothing behind. Adapters import torch (through
the library) only after ``script_run`` has started, so torch is seeded and capped when it is
first imported (:func:`seed_torch_on_import`), not only when it was already loaded.

Jobs of rules that ask for a GPU (``resources: gpu=N``) import torch here and stop at once when
CUDA is not visible (:func:`check_cuda`), unless the config says ``require_cuda: false`` (the
demo, the rehearsal: GPU rules then run on the CPU, with a warning in the log). With config
``deterministic: true`` torch runs deterministic kernels
(:func:`regbench.predict.device.set_deterministic`).
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
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
    """Seed python, numpy and torch: torch now if it is imported, else the moment it is first
    imported (:func:`seed_torch_on_import`), so the seed holds whenever a job uses torch."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
    else:
        seed_torch_on_import(seed)


class _TorchImportHook(importlib.abc.MetaPathFinder):
    """One-shot finder: runs ``setup(torch)`` right after the first ``import torch`` executes."""

    def __init__(self, setup):
        self.setup = setup

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch":
            return None
        remove_torch_import_hooks()
        spec = importlib.util.find_spec("torch")  # the remaining finders
        if spec is None or spec.loader is None:
            return spec
        exec_module, setup = spec.loader.exec_module, self.setup

        def exec_then_setup(module):
            exec_module(module)
            setup(module)

        spec.loader.exec_module = exec_then_setup
        return spec


def remove_torch_import_hooks() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _TorchImportHook)]


def seed_torch_on_import(seed: int, threads: int | None = None) -> None:
    """Seed torch (``torch.manual_seed(seed)``) and cap its threads when it is first imported.

    Torch's state is then the same as with ``import torch; torch.manual_seed(seed)`` before the
    job's code: the job's results do not depend on whether torch was loaded before or after
    :func:`script_run` started. Replaces a pending hook; a no-op for an already imported torch.
    """
    remove_torch_import_hooks()
    if "torch" in sys.modules:
        return

    def setup(torch):
        torch.manual_seed(seed)
        if threads is not None:
            torch.set_num_threads(threads)

    sys.meta_path.insert(0, _TorchImportHook(setup))


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


class CudaUnavailableError(RuntimeError):
    """A job that asks for a GPU does not see one (see :func:`check_cuda`)."""


def job_gpus(resources) -> int:
    """GPUs a job asks for: resource ``gpu`` (Snakemake's standard name) or a ``gres`` with gpu."""
    get = resources.get if hasattr(resources, "get") else (lambda k, d=None: getattr(resources, k, d))
    gpu = get("gpu", 0) or 0
    try:
        n = int(gpu)
    except (TypeError, ValueError):
        n = 0
    gres = str(get("gres", "") or "")
    if n == 0 and "gpu" in gres:
        tail = gres.rsplit(":", 1)[-1]
        n = int(tail) if tail.isdigit() else 1
    return n


def check_cuda(rule: str, resources, config, log: logging.Logger | None = None) -> bool:
    """Stop a job that asks for a GPU when torch sees no CUDA device.

    Raises :class:`CudaUnavailableError` naming the torch build (``torch.__version__``,
    ``torch.version.cuda``) and ``CUDA_VISIBLE_DEVICES``, unless ``config['require_cuda']`` is
    false (then logs a warning: the job runs on the CPU). Returns True when the job asks for a GPU
    (torch is then imported).
    """
    n = job_gpus(resources)
    if n <= 0:
        return False
    import torch

    if torch.cuda.is_available():
        if log is not None:
            log.info("rule %s: %d GPU(s) asked, CUDA sees %d: %s", rule, n, torch.cuda.device_count(),
                     torch.cuda.get_device_name(0))
        return True
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    build = f"torch {torch.__version__} (CUDA build: {torch.version.cuda or 'none, a CPU-only build'})"
    what = (f"rule {rule} asks for gpu={n} but CUDA is not visible to {build}; "
            f"CUDA_VISIBLE_DEVICES={'<unset>' if visible is None else repr(visible)}")
    require = (config or {}).get("require_cuda", True)
    if require:
        raise CudaUnavailableError(
            f"{what}. Install a CUDA build of torch (`make setup TORCH=cuda`, or the conda envs with "
            f"--sdm conda) and run on a GPU node; to run GPU rules on the CPU knowingly, set "
            f"`require_cuda: false` (e.g. --config require_cuda=False)."
        )
    if log is not None:
        log.warning("%s; running on the CPU because require_cuda is false", what)
    return True


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
    # numba (memelite's Tomtom) starts its OpenMP pool with NUMBA_NUM_THREADS, by default every
    # core of the node, and through the libgomp torch loaded also raises torch's thread count to it.
    # Only before numba is loaded: once its pool runs, numba refuses another value at its next compile.
    if "numba" not in sys.modules:
        os.environ["NUMBA_NUM_THREADS"] = str(threads)
    config = getattr(smk, "config", None) or {}
    try:
        # GPU jobs: torch imported here (to check CUDA, seed it, cap its threads at the job's)
        check_cuda(smk.rule, getattr(smk, "resources", None) or {}, config, log)
        if config.get("deterministic", False):
            from regbench.predict.device import set_deterministic

            set_deterministic(True)
            log.info("deterministic: torch deterministic algorithms on, cuDNN benchmark off")
    except BaseException:
        log.exception("rule %s cannot start", smk.rule)
        _remove_outputs(list(smk.output))
        raise
    seed = smk.params.get("seed", None) if hasattr(smk.params, "get") else None
    if seed is None:
        seed = config.get("seed", 0)
    seed_everything(int(seed))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    else:  # CPU jobs import torch (if at all) in the body: seed it and cap its threads then
        seed_torch_on_import(int(seed), threads)
    log.info("rule %s wildcards=%s threads=%d seed=%s", smk.rule, dict(smk.wildcards), threads, seed)
    try:
        yield log
    except BaseException:
        log.exception("rule %s failed; removing its outputs", smk.rule)
        _remove_outputs(list(smk.output))
        raise
    finally:
        remove_torch_import_hooks()
        if stream is not None:
            stream.flush()
