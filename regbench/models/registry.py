"""The model registry: one name -> one constructor, shared by every study.

Every registered constructor takes keyword hyper-parameters and returns an ``nn.Module`` that
takes a one-hot batch ``(N, L, 4)`` (A, C, G, T; channels last) and returns either profiles
``(N, L_out, T)`` (bins x tracks) or scalars ``(N, T)``. The module carries the attributes
``input_length`` (bp), ``output_bin_size`` (bp per output bin, or None for scalar outputs) and
``n_tracks``.

    >>> from regbench.models import registry
    >>> @registry.register("my_model")
    ... def my_model(n_tracks=1, input_length=100): ...
    >>> "my_model" in registry.available()
    True

Study code and users add models with :func:`register` (users: a Python file passed to
:func:`load_user_models`, e.g. ``config[<study>]['user_models']``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Callable

_REGISTRY: dict[str, Callable] = {}

# modules that register the built-in architectures (imported lazily on first lookup)
_BUILTIN_MODULES = (
    "regbench.models.gopher",
    "regbench.models.expression_cnn",
    "regbench.studies.dream.prixfixe",
    "regbench.studies.dream.top3",
    "regbench.studies.dream.baselines",
)
_builtins_loaded = False


def register(name: str, overwrite: bool = False) -> Callable[[Callable], Callable]:
    """Decorator registering ``constructor(**hparams) -> nn.Module`` under ``name``.

    Registering the same name twice raises ``ValueError`` unless ``overwrite`` is True or the
    constructor is the same function (re-import of a module).
    """

    def deco(fn: Callable) -> Callable:
        old = _REGISTRY.get(name)
        if old is not None and not overwrite:
            same = getattr(old, "__qualname__", None) == getattr(fn, "__qualname__", None) and getattr(
                old, "__module__", None
            ) == getattr(fn, "__module__", None)
            if not same:
                raise ValueError(f"model name {name!r} is already registered by {old.__module__}.{old.__qualname__}")
        _REGISTRY[name] = fn
        return fn

    return deco


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    for mod in _BUILTIN_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:  # a module not written yet must not break the others
            if e.name != mod:
                raise


def available() -> list[str]:
    """Sorted names of all registered models (built-ins included)."""
    _load_builtins()
    return sorted(_REGISTRY)


def get(name: str) -> Callable:
    """The constructor registered under ``name`` (KeyError listing the available names)."""
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; available: {', '.join(sorted(_REGISTRY))}") from None


def build(name: str, **hparams):
    """Build the model registered under ``name`` with ``hparams``.

    Unknown hyper-parameters raise ``TypeError`` naming the accepted ones. The returned module is
    checked for the ``input_length``, ``output_bin_size`` and ``n_tracks`` attributes.
    """
    ctor = get(name)
    try:
        params = inspect.signature(ctor).parameters
    except ValueError:  # builtins without a signature: let the call itself complain
        params = None
    if params is not None and not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        unknown = set(hparams) - set(params)
        if unknown:
            raise TypeError(f"model {name!r}: unknown hyper-parameter(s) {sorted(unknown)}; accepted: {list(params)}")
    model = ctor(**hparams)
    for attr in ("input_length", "output_bin_size", "n_tracks"):
        if not hasattr(model, attr):
            raise TypeError(f"model {name!r} lacks the attribute {attr!r} required by the registry contract")
    model.registry_name = name
    model.hparams = dict(hparams)
    return model


def load_user_models(path: str | Path) -> list[str]:
    """Import a user's Python file that calls :func:`register`; return the names it added."""
    path = Path(path)
    if not path.is_file():
        from regbench.errors import InputError

        raise InputError(path, None, "a Python file calling regbench.models.registry.register", "no such file")
    _load_builtins()
    before = set(_REGISTRY)
    mod_name = f"regbench_user_models_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    return sorted(set(_REGISTRY) - before)
