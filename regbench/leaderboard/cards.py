"""Model cards: validation, qualification per benchmark, and building the model a card names.

A card is one entry of config ``models: {<name>: <card>}`` (schema
``config/schemas/model_card.schema.yaml``)::

    models:
      my_cnn:
        file: examples/my_model.py        # calls regbench.models.registry.register("tiny_cnn")
        arch: tiny_cnn
        hparams: {filters: 16}
        input_length: null                # flexible: built at each benchmark's length
        output: {bin_size: 32}
        benchmarks:
          accessibility: {mode: train}                    # trained on the study's coverage data
          dream: {mode: train, recipe: bhi, hparams: {bin_size: null}}   # scalar output for DREAM

:func:`qualify` says, from the card and the study configs alone (no torch, no file reads, so the
Snakefile can call it at parse time), which benchmarks the card can serve and why not the
others. Whether the built model really has the declared shapes is checked when it is built
(:func:`check_model`), with an error naming the card.

Benchmarks and what a card needs for each:

* ``accessibility`` (GOPHER): ``mode: train`` - a profile model (bins that divide the study's
  ``input_length``) the study trains on its coverage dataset with its trainer settings;
  constructor keywords ``input_length``, ``n_tracks`` (cell lines) and ``bin_size``.
* ``dream``: ``mode: train`` - a scalar-output model (``(N, 1)``) trained with a team recipe
  (``bhi``: 110-bp A,C,G,T one-hot, the plain layout).
  ``mode: readout`` - a pretrained profile model whose declared ``tracks`` (cell line -> output
  track) stand for the study's cell lines, evaluated without training.
* ``personal`` / ``synthetic_loci``: a pretrained profile model (checkpoint) whose declared track
  and bins stand for the study's readout, on the study's window length (personal: the study's
  TSS bins unless the card gives ``bins``; synthetic_loci: every bin, DHS peak = max over the
  bins overlapping the DHS, so ``output.bin_size`` must divide the window).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import yaml

BENCHMARKS = ("accessibility", "personal", "synthetic_loci", "dream")
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "config" / "schemas" / "model_card.schema.yaml"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

#: input shape of each DREAM recipe (length bp, channels); equal to
#: regbench.studies.dream.recipes.Recipe(name).input_spec() (tests/unit/test_leaderboard_cards.py)
#: - kept here so that qualification needs no torch import at parse time.
DREAM_RECIPE_INPUTS = {"bhi": (110, 4), "autosome": (150, 6), "unlockdna": (200, 6)}

#: benchmark -> modes regbench can score for a user model
SCORABLE = {"accessibility": {"train", "readout"}, "dream": {"train"}, "personal": {"readout"},
            "synthetic_loci": {"readout"}}

#: what a study's library would need to score a pretrained user model (reported as the reason)
MISSING_HOOKS: dict[str, str] = {}


def load_schema(path: str | Path = SCHEMA_PATH) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


def _resolve(schema: dict, root: dict) -> dict:
    ref = schema.get("$ref")
    if ref and ref.startswith("#/"):
        node = root
        for part in ref[2:].split("/"):
            node = node[part]
        return node
    return schema


def _fill_defaults(inst, schema: dict, root: dict):
    """Fill schema defaults into ``inst`` (objects, recursively; a copy)."""
    schema = _resolve(schema, root)
    if not isinstance(inst, dict) or "properties" not in schema:
        return inst
    out = dict(inst)
    for key, sub in schema["properties"].items():
        sub_r = _resolve(sub, root)
        if key not in out and "default" in sub_r:
            out[key] = copy.deepcopy(sub_r["default"])
        if key in out and isinstance(out[key], dict):
            out[key] = _fill_defaults(out[key], sub_r, root)
    return out


def validate_card(name: str, card: dict, schema: dict | None = None) -> dict:
    """Validate ``card`` against the model-card schema; return a copy with defaults filled in.

    Raises ``ValueError`` naming the model and the offending field.
    """
    import jsonschema

    if not NAME_RE.match(str(name)):
        raise ValueError(f"models.{name}: a model name must match {NAME_RE.pattern} (it becomes a results/ folder)")
    schema = schema or load_schema()
    if not isinstance(card, dict):
        raise ValueError(f"models.{name}: expected a mapping (model card), found {type(card).__name__}")
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(card), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = ".".join(str(p) for p in e.path) or "(card)"
        raise ValueError(f"models.{name}.{where}: {e.message} (schema {SCHEMA_PATH.name})")
    out = _fill_defaults(card, schema, schema)
    bench = out.setdefault("benchmarks", {})
    for b, cfg in list(bench.items()):
        sub = schema["properties"]["benchmarks"]["properties"][b]
        bench[b] = _fill_defaults(cfg or {}, sub, schema)
    out["name"] = str(name)
    return out


def load_cards(config: dict) -> dict[str, dict]:
    """All cards of ``config['models']`` validated, defaults filled (name -> card)."""
    return {name: validate_card(name, card) for name, card in (config.get("models") or {}).items()}


def benchmark_hparams(card: dict, benchmark: str) -> dict:
    """Constructor keywords of ``card`` for ``benchmark`` (card hparams + the benchmark's)."""
    b = card.get("benchmarks", {}).get(benchmark) or {}
    return {**card.get("hparams", {}), **(b.get("hparams") or {})}


def _bin_size(card: dict, benchmark: str):
    """Declared output bin size for a benchmark (its ``hparams.bin_size`` / ``bin_size`` override
    the card's ``output.bin_size``)."""
    b = card.get("benchmarks", {}).get(benchmark) or {}
    hp = b.get("hparams") or {}
    if "bin_size" in hp:
        return hp["bin_size"]
    if b.get("bin_size") is not None:
        return b["bin_size"]
    return card.get("output", {}).get("bin_size")


def is_pretrained(card: dict) -> bool:
    return bool(card.get("pretrained") or card.get("checkpoint"))


def _length_ok(card: dict, need: int, what: str) -> tuple[bool, str]:
    L = card.get("input_length")
    if L is None:
        return True, f"built at {need} bp"
    if int(L) != int(need):
        return False, f"the model takes {L}-bp inputs but {what} needs {need} bp"
    return True, f"{L}-bp inputs"


def _track_ok(card: dict, track, what: str) -> tuple[bool, str]:
    names = card.get("output", {}).get("tracks") or []
    if track is None:
        return False, f"the card names no output track standing for {what}"
    if isinstance(track, str) and track not in names:
        return False, f"track {track!r} (for {what}) is not among output.tracks {names}"
    if isinstance(track, int) and names and track >= len(names):
        return False, f"track index {track} (for {what}) is beyond the {len(names)} declared tracks"
    return True, f"track {track!r} = {what}"


def accessibility_dataset(card: dict, cfg: dict) -> str | None:
    """Training dataset of the card on the accessibility benchmark: the card's ``dataset``, else
    the dataset of the study's ``new_models`` experiment (its Table 3 models), else the first
    coverage dataset that is not test-only."""
    b = (card.get("benchmarks") or {}).get("accessibility") or {}
    if b.get("dataset"):
        return b["dataset"]
    datasets = cfg.get("datasets", {})
    for entry in (cfg.get("experiments") or {}).get("new_models", []):
        ds = entry.get("dataset")
        for d in ds if isinstance(ds, list) else [ds]:
            if datasets.get(d, {}).get("kind") == "coverage":
                return d
    for name, d in datasets.items():
        if d.get("kind") == "coverage" and not d.get("test_only"):
            return name
    return None


def _qualify_accessibility(card: dict, cfg: dict) -> tuple[bool, str]:
    b = card["benchmarks"]["accessibility"]
    L = int(cfg["input_length"])
    ok, why = _length_ok(card, L, "the accessibility benchmark")
    if not ok:
        return False, why
    bs = _bin_size(card, "accessibility")
    if bs is None:
        return False, "the accessibility benchmark needs profile outputs (output.bin_size); the card declares scalar outputs"
    if L % int(bs):
        return False, f"output bin size {bs} bp does not divide the {L}-bp input"
    if b["mode"] == "train":
        name = accessibility_dataset(card, cfg)
        ds = cfg.get("datasets", {}).get(name)
        if ds is None:
            return False, f"dataset {name!r} is not defined in config accessibility.datasets"
        if ds.get("kind") != "coverage" or ds.get("test_only"):
            return False, f"dataset {name!r} is not a coverage training dataset"
        return True, (
            f"trained on {name} ({L}-bp inputs, {bs}-bp bins, {b['loss']} loss, aug {b['aug']}); "
            f"evaluated: {', '.join(b['evaluations'])}"
        )
    # readout
    if not is_pretrained(card):
        return False, "readout mode needs a pretrained model (checkpoint, or pretrained: true)"
    missing = [c for c in cfg.get("cells", []) if c not in b["tracks"]]
    if missing:
        return False, f"readout mode needs a track for every cell line; none for {missing}"
    for cell in cfg.get("cells", []):
        ok, why = _track_ok(card, b["tracks"][cell], f"cell line {cell}")
        if not ok:
            return False, why
    if "readout" not in SCORABLE["accessibility"]:
        return False, MISSING_HOOKS["accessibility"]
    return True, (
        f"pretrained model read out ({L}-bp inputs, {bs}-bp bins; tracks {dict(b['tracks'])} stand for the cell lines); "
        f"evaluated: {', '.join(b['evaluations'])}"
    )


def _qualify_dream(card: dict, cfg: dict) -> tuple[bool, str]:
    b = card["benchmarks"]["dream"]
    if not (cfg.get("inputs") or {}).get("test_labels"):
        return False, "config dream.inputs.test_labels is not set: the official DREAM score needs the labelled test set"
    length, channels = DREAM_RECIPE_INPUTS[b["recipe"]]
    ok, why = _length_ok(card, length, f"the DREAM {b['recipe']} recipe")
    if not ok:
        return False, why
    bs = _bin_size(card, "dream")
    if bs is not None:
        return False, f"DREAM needs a scalar expression output (N, 1); the card declares {bs}-bp bins (set benchmarks.dream.hparams.bin_size: null)"
    ch = f", {channels} input channels" if channels != 4 else ""
    return True, f"trained with the {b['recipe']} recipe ({length} bp{ch}) on the DREAM training data; official DREAM score"


def _qualify_readout(card: dict, benchmark: str, length: int, what: str) -> tuple[bool, str]:
    b = card["benchmarks"][benchmark]
    if not is_pretrained(card):
        return False, "needs a pretrained model (checkpoint, or pretrained: true); the card names an untrained architecture"
    ok, why = _length_ok(card, length, f"the {benchmark} windows")
    if not ok:
        return False, why
    bs = card.get("output", {}).get("bin_size")
    if bs is None and (card.get("input_length") is not None or benchmark == "synthetic_loci"):
        return False, f"{benchmark} reads out bins of a profile model; the card declares scalar outputs"
    if benchmark == "synthetic_loci" and length % int(bs):
        return False, f"output bin size {bs} bp does not divide the {length}-bp synthetic_loci window"
    ok, why = _track_ok(card, b.get("track"), what)
    if not ok:
        return False, why
    if "readout" not in SCORABLE[benchmark]:
        return False, f"card qualifies ({why}) but {MISSING_HOOKS[benchmark]}"
    return True, f"pretrained model read out on the {benchmark} windows ({length} bp): {why}"


def resolve_track(card: dict, track) -> int:
    """Output track index of a readout track given as an index or a name in ``output.tracks``."""
    if isinstance(track, str):
        names = card.get("output", {}).get("tracks") or []
        if track not in names:
            raise ValueError(f"models.{card.get('name')}: track {track!r} is not among output.tracks {names}")
        return names.index(track)
    return int(track)


def qualify(card: dict, config: dict | None = None) -> dict[str, tuple[bool, str]]:
    """Which benchmarks ``card`` can serve: ``{benchmark: (ok, reason)}`` for all four.

    ``card``: a validated card (:func:`validate_card`; a raw card is validated with the name
    ``card['name']`` or "model"). ``config``: the full regbench config (default: the demo
    ``config/config.yaml``); the study sections give the input lengths, bins and tracks.
    Pure: no torch import, no file access besides the schema.
    """
    if config is None:
        with open(SCHEMA_PATH.parents[1] / "config.yaml") as fh:
            config = yaml.safe_load(fh)
    if "name" not in card or "benchmarks" not in card:
        card = validate_card(card.get("name", "model"), {k: v for k, v in card.items() if k != "name"})
    out: dict[str, tuple[bool, str]] = {}
    for bench in BENCHMARKS:
        b = card["benchmarks"].get(bench)
        if b is None:
            out[bench] = (False, f"the card declares no {bench} readout or training")
            continue
        if b["mode"] == "skip":
            out[bench] = (False, "skipped by the card (mode: skip)")
            continue
        scfg = config.get(bench) or {}
        if bench == "accessibility":
            out[bench] = _qualify_accessibility(card, scfg)
        elif bench == "dream":
            out[bench] = _qualify_dream(card, scfg)
        elif bench == "personal":
            out[bench] = _qualify_readout(card, bench, int(scfg.get("window_bp", 196608)), f"personal track {scfg.get('track', 'CAGE:brain, adult,')!r}")
        else:
            tr = (scfg.get("tracks") or {}).get("escj7", "DNASE:129 ES-CJ7")
            out[bench] = _qualify_readout(card, bench, int(scfg.get("window", 196608)), f"synthetic_loci track {tr!r}")
    return out


# --- building (torch from here on, imported lazily) ------------------------------------------


def register_card_models(card: dict) -> list[str]:
    """Import the card's ``file`` (if any) so its ``register`` calls run; names it added."""
    from regbench.models import registry

    if card.get("file"):
        return registry.load_user_models(card["file"])
    return []


def build_model(card: dict, benchmark: str | None = None, **study_hparams):
    """The card's model: ``registry.build(arch, **study_hparams, **card hparams, **benchmark hparams)``
    with the checkpoint loaded when the benchmark reads out a pretrained model.

    ``study_hparams`` are what the study fills in (``input_length``, ``n_tracks``, ...); the card's
    own keywords win over them.
    """
    from regbench.models import registry

    register_card_models(card)
    hp = {**study_hparams, **(benchmark_hparams(card, benchmark) if benchmark else card.get("hparams", {}))}
    model = registry.build(card["arch"], **hp)
    return model


def load_checkpoint(model, card: dict):
    """Load ``card['checkpoint']`` (a state_dict, or a dict with a ``model`` state_dict)."""
    import torch

    from regbench.errors import InputError

    path = card.get("checkpoint")
    if not path:
        return model
    if not Path(path).is_file():
        raise InputError(path, f"models.{card.get('name')}.checkpoint", "a torch state_dict file", "no such file")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    model.load_state_dict(state)
    return model.eval()


def check_model(model, card: dict, benchmark: str, input_length: int, n_tracks: int | None = None,
                bin_size: int | None = None, in_channels: int = 4) -> tuple[int, ...]:
    """Run one all-zero batch ``(1, input_length, in_channels)`` through ``model`` and check the
    output against what the benchmark needs: ``(1, input_length // bin_size, n_tracks)`` for
    profiles (``bin_size`` not None) or ``(1, n_tracks)`` for scalars. Returns the shape; raises
    ``ValueError`` naming the card otherwise."""
    import torch

    want_bins = None if bin_size is None else input_length // int(bin_size)
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        out = model(torch.zeros(1, int(input_length), int(in_channels)))
    model.train(was_training)
    shape = tuple(out.shape)
    want = (1, n_tracks) if want_bins is None else (1, want_bins, n_tracks)
    bad = len(shape) != len(want) or any(w is not None and s != w for s, w in zip(shape, want))
    if bad:
        raise ValueError(
            f"models.{card.get('name')}: for {benchmark} the model must map (1, {input_length}, {in_channels}) to "
            f"{tuple('T' if w is None else w for w in want)}, it returned {shape}"
        )
    return shape


def pretrained_model(card: dict, benchmark: str, length: int):
    """The card's pretrained model (built, checkpoint loaded, eval mode) and its output shape on
    one ``(1, length, 4)`` batch (checked against the declared bin size)."""
    model = load_checkpoint(build_model(card, benchmark), card)
    model.eval()
    shape = check_model(model, card, benchmark, int(length), None, card["output"]["bin_size"])
    return model, shape
