"""Config bounds (issue 20, defect 5): every numeric schema field is bounded, the shipped configs
validate, and each bad value the issue found passing is now rejected at parse time with the
schema's message and the full config path (regbench.config_checks.validate_config, the function
rules/common.smk runs)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import pytest
import yaml

from regbench.config_checks import ConfigError, validate_config

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = sorted((ROOT / "config" / "schemas").glob("*.yaml"))
NUMERIC = {"integer", "number"}
BOUNDS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "enum", "const")


def _numeric_fields(node, path=()):
    """(path, bounded?) of every schema node whose type includes integer or number."""
    if isinstance(node, dict):
        t = node.get("type")
        types = {t} if isinstance(t, str) else set(t or ())
        if types & NUMERIC:
            yield "/".join(map(str, path)), any(k in node for k in BOUNDS)
        for k, v in node.items():
            yield from _numeric_fields(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _numeric_fields(v, path + (i,))


def test_every_numeric_schema_field_is_bounded():
    fields = {s.name: list(_numeric_fields(yaml.safe_load(s.read_text()))) for s in SCHEMAS}
    assert sum(len(v) for v in fields.values()) > 100  # the walker sees the schemas' numbers
    unbounded = [f"{name}: {p}" for name, fs in fields.items() for p, ok in fs if not ok]
    assert unbounded == [], "numeric fields without minimum/maximum/enum:\n" + "\n".join(unbounded)


def test_walker_flags_an_unbounded_field():
    assert list(_numeric_fields({"properties": {"x": {"type": ["integer", "null"]}}})) == [("properties/x", False)]


@functools.lru_cache(maxsize=None)
def _parsed(name):
    return yaml.load((ROOT / "config" / name).read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _cfg(name="config.yaml"):
    return copy.deepcopy(_parsed(name))


@pytest.mark.parametrize("name", ["config.yaml", "paper.yaml"])
def test_shipped_configs_validate(name):
    cfg = _cfg(name)
    validate_config(cfg)
    assert cfg["personal"]["null_model"]["n_draws"] == 50  # defaults filled, the section is attached


def _set(cfg, dotted, value):
    *head, last = dotted.split(".")
    node = cfg
    for k in head:
        node = node.setdefault(k, {})
    node[last] = value


# (config path, bad value, expected message): the values issue 20 found passing validation
BAD = [
    ("personal.null_window_bp", -100, "-100 is less than the minimum of 1"),
    ("personal.genes.n_genes", -10, "-10 is less than the minimum of 1"),
    ("personal.window_bp", 0, "0 is less than the minimum of 1"),
    ("personal.window_bp", -196608, "-196608 is less than the minimum of 1"),
    ("personal.batch_size", -1, "-1 is less than the minimum of 1"),
    ("personal.fdr", 5, "5 is greater than the maximum of 1"),
    ("personal.fdr", 0, "0 is less than or equal to the minimum of 0"),
    ("personal.null_model.n_draws", -5, "-5 is less than the minimum of 1"),
    ("personal.cnn.window_bp", 0, "0 is less than the minimum of 1"),
    ("accessibility.input_length", -2048, "-2048 is less than the minimum of 1"),
    ("accessibility.evaluation.batch_size", 0, "0 is less than the minimum of 1"),
    ("accessibility.training.quantitative.batch_size", -1, "-1 is less than the minimum of 1"),
    ("accessibility.training.quantitative.lr", 0, "0 is less than or equal to the minimum of 0"),
    ("accessibility.training.quantitative.optimizer", "sgd", "'sgd' is not one of ['adam', 'adamw']"),
    ("accessibility.training.quantitative.epochs", 3, "Additional properties are not allowed ('epochs' was unexpected)"),
    ("accessibility.evaluation.tomtom_q", 1.5, "1.5 is greater than the maximum of 1"),
    ("synthetic_loci.window", 0, "0 is less than the minimum of 128"),
    ("synthetic_loci.n_value", -0.25, "-0.25 is less than the minimum of 0"),
    ("dream.followups.train.max_epochs", 0, "0 is less than the minimum of 1"),
    ("seed", -1, "-1 is less than the minimum of 0"),
    ("personal.ensemble.shifts", [0, 200], "200 is greater than the maximum of 127"),
]


@pytest.mark.parametrize("path,value,message", BAD, ids=[f"{p}={v}" for p, v, _ in BAD])
def test_bad_value_is_rejected_with_the_schema_message(path, value, message):
    cfg = _cfg()
    _set(cfg, path, value)
    with pytest.raises(ConfigError) as ei:
        validate_config(cfg)
    text = str(ei.value)
    assert message in text
    assert text.startswith("config ") and "schema config/schemas/" in text
    # the message names where in the config the value is (the section path, not just the leaf)
    parent = path.rsplit(".", 1)[0] if path.count(".") else path
    assert parent in text


def test_inverted_region_is_rejected_at_parse_time():
    cfg = _cfg("paper.yaml")
    cfg["synthetic_loci"]["region"] = {"chrom": "chr3", "start": 34772706, "end": 34732778}
    with pytest.raises(ConfigError, match=r"config synthetic_loci\.region: expected start < end \(0-based half-open\), "
                                          r"found chr3:34772706-34732778"):
        validate_config(cfg)
    cfg["synthetic_loci"]["region"]["end"] = 34772706  # empty region
    with pytest.raises(ConfigError, match="start < end"):
        validate_config(cfg)


@pytest.mark.parametrize("path,value,match", [
    ("accessibility.context_length", 1024, r"accessibility\.context_length: expected >= input_length"),
    ("personal.bins", [447, 896], r"personal\.bins: expected output bins below target_length \(896\), found \[896\]"),
    ("dream.followups.human_folds", [0, 10], r"dream\.followups\.human_folds: expected folds 0\.\.9"),
])
def test_cross_field_checks(path, value, match):
    cfg = _cfg("paper.yaml")
    _set(cfg, path, value)
    with pytest.raises(ConfigError, match=match):
        validate_config(cfg)


@pytest.mark.parametrize("section", ["downloads", "personal.downloads", "dream.downloads",
                                     "accessibility.downloads", "synthetic_loci.downloads"])
@pytest.mark.parametrize("entry,message", [
    ({"url": "https://example.org/a.txt", "md5": "xyz"}, "'xyz' does not match '^[0-9a-f]{32}$'"),
    ({"url": "https://example.org/a.txt", "md5": "0" * 32, "token": "secret"},
     "Additional properties are not allowed ('token' was unexpected)"),
    ({"md5": "0" * 32}, "'url' is a required property"),
    ({"url": "gopher://example.org/a.txt", "verify": False}, "does not match"),
    ({"url": "https://example.org/a.txt", "verify": False, "retries": -1}, "-1 is less than the minimum of 0"),
])
def test_download_entries_have_an_item_schema_at_every_level(section, entry, message):
    cfg = _cfg("paper.yaml")
    node = cfg
    for k in section.split("."):
        node = node.setdefault(k, {})
    node["x/a.txt"] = entry
    with pytest.raises(ConfigError) as ei:
        validate_config(cfg)
    assert message in str(ei.value) and "x/a.txt" in str(ei.value)


def test_download_relpaths_cannot_leave_resources_downloads():
    cfg = _cfg("paper.yaml")
    cfg["downloads"]["../outside.txt"] = {"url": "https://example.org/a.txt", "verify": False}
    with pytest.raises(ConfigError, match="does not match"):
        validate_config(cfg)


def test_valid_edits_still_pass():
    cfg = _cfg()
    for path, value in [("personal.fdr", 1), ("personal.genes.n_genes", None), ("personal.target_length", -1),
                        ("accessibility.training.quantitative.schedule", None), ("seed", 0)]:
        c = copy.deepcopy(cfg)
        _set(c, path, value)
        validate_config(c)
