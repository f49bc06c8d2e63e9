"""Configuration validation run by ``rules/common.smk`` at parse time: :func:`validate_config` =
:func:`check_keys`, the JSON schemas (``config/schemas/``, with their defaults filled in), then
:func:`check_config` for what a JSON schema cannot express.

* :func:`yaml_unsafe_keys`: mapping keys that YAML 1.1 reads as null or a boolean (``null:``,
  ``~:``, ``yes:``, ``no:``, ``on:``, ``off:``, ``true:``, ``false:``, ``y:``, ``n:``). PyYAML (and
  so Snakemake) turns ``null:`` into the key ``None`` and ``yes:``/``on:`` into ``True``, which
  silently detaches a section from the code that reads it; strict YAML 1.1 parsers also read
  ``y``/``n`` as booleans. Such keys are rejected everywhere in a config, including free-form maps
  (model hparams, class maps, download tables) that the schemas leave open.

* :func:`check_config`: every download has a checksum source or ``verify: false``
  (:func:`regbench.data.checksums.check_downloads`; GitHub raw URLs at a commit); relations
  between values (``synthetic_loci.region`` start < end,
  ``accessibility.context_length >= input_length``, personal ``bins`` inside ``target_length``,
  ``synthetic_loci.window <= seq_length``, dream ``human_folds`` below ``human_n_folds``).

Errors are :class:`ConfigError` naming the config path and what was expected (for schema
violations: the schema's message and file).
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any, Iterator, Mapping

from regbench.data.checksums import check_downloads

STUDIES = ("accessibility", "personal", "synthetic_loci", "dream")
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "config" / "schemas"

# lower-cased YAML 1.1 spellings of null and of booleans (https://yaml.org/type/bool.html, /null.html)
YAML_RESERVED_KEYS = frozenset({"null", "~", "yes", "no", "on", "off", "true", "false", "y", "n"})


class ConfigError(ValueError):
    """A configuration value the schema accepts but the workflow cannot use."""


def _where(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def yaml_unsafe_keys(obj: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path of the parent mapping, key) for every key of ``obj`` (recursively through mappings and
    lists) that is not a string, or is a string YAML 1.1 reads as null or a boolean."""
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if not isinstance(k, str) or k.strip().lower() in YAML_RESERVED_KEYS:
                yield path, k
            yield from yaml_unsafe_keys(v, path + (k,))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from yaml_unsafe_keys(v, path + (i,))


def _key_text(k: Any) -> str:
    if k is None:
        return "null (written null:, ~: or an empty key)"
    if isinstance(k, bool):
        return f"{k} (written yes/no/on/off/true/false)"
    if isinstance(k, str):
        return repr(k)
    return f"{k!r} ({type(k).__name__})"


def check_keys(config: Mapping) -> None:
    """Raise :class:`ConfigError` listing every YAML-unsafe key of ``config``."""
    bad = list(yaml_unsafe_keys(config))
    if bad:
        lines = "; ".join(f"{_where(p)}: key {_key_text(k)}" for p, k in bad)
        raise ConfigError(
            f"config: expected mapping keys that are plain strings, found keys YAML reads as null or "
            f"a boolean: {lines}. Rename the key (e.g. personal.null -> personal.null_model); "
            "quoting it does not help other YAML 1.1 readers"
        )


def all_downloads(config: Mapping) -> dict:
    """relpath -> download entry from ``config['downloads']`` and every study's ``downloads``."""
    table = dict(config.get("downloads") or {})
    for study in STUDIES:
        table.update((config.get(study) or {}).get("downloads") or {})
    return table


def _fail(path: str, expected: str, found) -> None:
    raise ConfigError(f"config {path}: expected {expected}, found {found}")


def check_config(config: Mapping) -> None:
    """Relations between values that the schemas cannot state (run after validation, on a config
    whose defaults are filled in)."""
    sl = config.get("synthetic_loci") or {}
    reg = sl.get("region")
    if reg and int(reg["start"]) >= int(reg["end"]):
        _fail("synthetic_loci.region", "start < end (0-based half-open)",
              f"{reg.get('chrom')}:{reg['start']}-{reg['end']}")
    if "window" in sl and "seq_length" in sl and int(sl["window"]) > int(sl["seq_length"]):
        _fail("synthetic_loci.window", f"a window <= seq_length ({sl['seq_length']})", sl["window"])
    acc = config.get("accessibility") or {}
    if "input_length" in acc and "context_length" in acc and int(acc["context_length"]) < int(acc["input_length"]):
        _fail("accessibility.context_length", f">= input_length ({acc['input_length']})", acc["context_length"])
    per = config.get("personal") or {}
    tl = per.get("target_length")
    if tl is not None and int(tl) > 0:
        outside = [b for b in per.get("bins", []) if int(b) >= int(tl)]
        if outside:
            _fail("personal.bins", f"output bins below target_length ({tl})", outside)
    problems = check_downloads(all_downloads(config))
    if problems:
        raise ConfigError("config downloads: every download needs a checksum that does not come from its own "
                          "bytes (regbench/data/checksums.py): " + "; ".join(problems))
    fu = (config.get("dream") or {}).get("followups") or {}
    n_folds = int(fu.get("human_n_folds", 10))
    bad = [f for f in fu.get("human_folds", []) if int(f) >= n_folds]
    if bad:
        _fail("dream.followups.human_folds", f"folds 0..{n_folds - 1} (human_n_folds {n_folds})", bad)


def validate_config(config: dict, schema_dir: str | os.PathLike = SCHEMA_DIR) -> None:
    """The workflow's whole config validation, in place (defaults are filled in): YAML-unsafe keys,
    ``config.schema.yaml`` and one schema per study, then :func:`check_config`."""
    schema_dir = Path(schema_dir).resolve()
    check_keys(config)
    _validate(config, schema_dir / "config.schema.yaml", ())
    for study in STUDIES:
        _validate(config[study], schema_dir / f"{study}.schema.yaml", (study,))
    check_config(config)


@functools.lru_cache(maxsize=None)
def _validator(schema: Path):
    """Draft 2020-12 validator of ``schema`` that fills in defaults as it validates (as
    ``snakemake.utils.validate`` does), with every ``*.schema.yaml`` beside it registered for
    ``$ref`` (each file parsed once per process: every SLURM job re-parses the Snakefile)."""
    import jsonschema
    import yaml
    from referencing import Registry, Resource

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = {}
    for f in sorted(schema.parent.glob("*.schema.yaml")):
        doc = yaml.load(f.read_text(), Loader=loader)
        doc["$id"] = f.resolve().as_uri()
        docs[f.resolve()] = doc
    registry = Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in docs.values())
    base = jsonschema.Draft202012Validator
    check_properties = base.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, sch):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if isinstance(sub, dict) and "default" in sub:
                    instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from check_properties(validator, properties, instance, sch)

    cls = jsonschema.validators.extend(base, {"properties": properties_with_defaults})
    return cls(docs[schema.resolve()], registry=registry)


def _validate(section: dict, schema: Path, where: tuple) -> None:
    """Validate ``section`` against ``schema`` in place (defaults filled in); a violation is a
    ConfigError naming the full config path, the schema's message and the schema file."""
    import jsonschema

    err = jsonschema.exceptions.best_match(_validator(schema).iter_errors(section))
    if err is not None:
        path = _where(where + tuple(err.absolute_path))
        raise ConfigError(f"config {path}: {err.message} (schema config/schemas/{schema.name})")
