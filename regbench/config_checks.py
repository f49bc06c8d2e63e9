"""Configuration checks that a JSON schema cannot express, run by ``rules/common.smk`` at parse time.

* :func:`yaml_unsafe_keys`: mapping keys that YAML 1.1 reads as null or a boolean (``null:``,
  ``~:``, ``yes:``, ``no:``, ``on:``, ``off:``, ``true:``, ``false:``, ``y:``, ``n:``). PyYAML (and
  so Snakemake) turns ``null:`` into the key ``None`` and ``yes:``/``on:`` into ``True``, which
  silently detaches a section from the code that reads it; strict YAML 1.1 parsers also read
  ``y``/``n`` as booleans. Such keys are rejected everywhere in a config, including free-form maps
  (model hparams, class maps, download tables) that the schemas leave open.

:func:`check_config` raises :class:`ConfigError` naming the config path and what was expected.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

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


def check_config(config: Mapping) -> None:
    """Every parse-time check of a whole config (before schema validation)."""
    check_keys(config)
