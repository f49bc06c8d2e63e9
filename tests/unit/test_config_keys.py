"""No config or schema key that YAML 1.1 reads as null or a boolean (issue 20, defect 3: `personal.null:`
was the key None, and the schema's own `null:` property was None too, so both matched and the
null-model settings were detached from the code that reads `null_model`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from regbench.config_checks import YAML_RESERVED_KEYS, ConfigError, check_keys, yaml_unsafe_keys

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "config").glob("*.yaml"))
SCHEMAS = sorted((ROOT / "config" / "schemas").glob("*.yaml"))


def _load(path: Path):
    return yaml.safe_load(path.read_text())


def test_there_is_something_to_walk():
    assert {p.name for p in CONFIGS} >= {"config.yaml", "paper.yaml"} and len(SCHEMAS) >= 6


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_keys_are_plain_strings(path):
    bad = list(yaml_unsafe_keys(_load(path)))
    assert bad == [], f"{path.name}: keys YAML 1.1 reads as null/bool: {bad}"


def _schema_property_names(node, path=()):
    """(path, name) of every key of every `properties` mapping in a schema document."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for k in props:
                yield path + ("properties",), k
        for k, v in node.items():
            yield from _schema_property_names(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _schema_property_names(v, path + (i,))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_properties_cannot_match_a_yaml_null_or_bool_key(path):
    names = list(_schema_property_names(_load(path)))
    assert names, f"{path.name}: no properties found (walker broken?)"
    bad = [(p, k) for p, k in names if not isinstance(k, str) or k.lower() in YAML_RESERVED_KEYS]
    assert bad == [], f"{path.name}: schema properties a YAML null/bool key would match: {bad}"


@pytest.mark.parametrize("text", ["null: {n_draws: 3}", "~: 1", "yes: 1", "No: 1", "on: 1", "OFF: 1",
                                  "true: 1", "False: 1", "y: 1", "n: 1"])
def test_check_config_rejects_each_spelling_anywhere(text):
    cfg = {"personal": {"genes": {"n_genes": 5}}, "models": {"m": {"hparams": yaml.safe_load(text)}}}
    with pytest.raises(ConfigError, match=r"models\.m\.hparams: key .*Rename the key"):
        check_keys(cfg)


def test_check_config_names_the_old_null_section_and_accepts_the_new_name():
    with pytest.raises(ConfigError, match=r"personal: key null \(written null:"):
        check_keys(yaml.safe_load("personal:\n  null: {n_draws: 50}\n"))
    check_keys(yaml.safe_load("personal:\n  null_model: {n_draws: 50}\n  values: [null, yes]\n"))  # values are fine


def test_shipped_configs_pass_the_parse_time_check():
    for path in CONFIGS:
        check_keys(_load(path))
