"""The accessibility study's model axis: every model rules ``acc_train`` and ``acc_evaluate`` run,
by experiment and model name.

A model spec is what :func:`regbench.studies.accessibility.experiments.train_model` trains and
:func:`regbench.studies.accessibility.evaluate.run_evaluations` evaluates::

    {"arch": <key of the study's architectures>, "dataset": ..., "loss": ..., "bin": ..., "aug": ...,
     "seed": ..., "binary": bool}

The paper's models are the grid of config ``accessibility.experiments``
(:func:`~regbench.studies.accessibility.experiments.expand_experiments`: ``{experiment: {slug:
spec}}``). A user's model card (config ``models:``, qualified for ``accessibility`` by
:func:`regbench.leaderboard.cards.qualify`) becomes one more model of the dedicated experiment
:data:`CARD_EXPERIMENT` (``results/accessibility/{models,evals}/cards/<card>/``), whatever its
training dataset: the card is keyed by its own name, and the paper's experiments - the sets the
collected tables, panels and published-vs-ours tables read - stay the paper's. Its architecture
is one more entry of the study's ``architectures`` (key = the card's name, :func:`card_architecture`):

* ``mode: train``: ``{model, hparams, file, train}`` - built by the study's ``build_model`` with
  the study's ``input_length``, ``n_tracks`` (cell lines) and ``bin_size``, trained by the study's
  trainer on the card's dataset with the card's loss, augmentation, seed and trainer overrides;
* ``mode: readout``: ``{model, card}`` - the card's pretrained model whose declared tracks stand
  for the study's cell lines, loaded by the study's one loader
  (:func:`~regbench.studies.accessibility.experiments.load_model`), never trained.

Pure Python (no torch, numpy or pandas): the Snakefile calls it at parse time.
"""

from __future__ import annotations

from regbench.leaderboard.cards import _bin_size, accessibility_dataset, benchmark_hparams

#: the experiment (results folder) of the qualified model cards; not a key of the study's
#: ``experiments``/``evaluations``, so no collected table or panel reads it
CARD_EXPERIMENT = "cards"


def card_architecture(card: dict) -> dict:
    """The study's ``architectures`` entry of a validated card (see module docstring).

    train: ``model`` = the card's registry name, ``hparams`` = the card's (+ its
    ``benchmarks.accessibility.hparams``) without ``bin_size`` (the study sets it from the spec),
    ``train`` = the card's trainer overrides (merged over ``training.quantitative`` by the study's
    ``train_config``), ``file`` = the card's model code (imported before the model is built).
    readout: ``model`` and the whole ``card`` (its checkpoint, hparams, output and tracks).
    """
    b = card["benchmarks"]["accessibility"]
    if b["mode"] == "readout":
        return {"model": card["arch"], "card": card}
    hp = benchmark_hparams(card, "accessibility")
    hp.pop("bin_size", None)
    arch = {"model": card["arch"], "hparams": hp}
    if b.get("train"):
        arch["train"] = dict(b["train"])
    if card.get("file"):
        arch["file"] = str(card["file"])
    return arch


def card_spec(card: dict, acc_cfg: dict) -> dict:
    """The study's model spec of a validated card: ``arch`` = the card's name (its
    :func:`card_architecture`), the card's ``loss``, ``aug``, ``seed`` and bin size; ``dataset``:
    its training dataset (:func:`regbench.leaderboard.cards.accessibility_dataset`: the card's,
    else the study's ``new_models`` dataset). A readout card is not trained: dataset
    ``readout``, loss and aug ``na``, seed 0."""
    b = card["benchmarks"]["accessibility"]
    spec = {"arch": card["name"], "dataset": accessibility_dataset(card, acc_cfg), "loss": b["loss"],
            "bin": int(_bin_size(card, "accessibility")),
            "aug": b["aug"], "seed": int(b["seed"]), "binary": False}
    if b["mode"] == "readout":
        spec.update(dataset="readout", loss="na", aug="na", seed=0)
    return spec


def model_specs(paper: dict[str, dict[str, dict]], cards: dict[str, dict],
                acc_cfg: dict) -> tuple[dict[str, dict[str, dict]], dict]:
    """Every model ``acc_train`` / ``acc_evaluate`` run and the architectures they build.

    ``paper``: the paper's grid ``{experiment: {slug: spec}}``; ``cards``: qualified validated
    cards (name -> card); ``acc_cfg``: the study config (its ``architectures``). Returns ``({**paper, CARD_EXPERIMENT: {card: spec}}, {**architectures, card:
    entry})`` (the card experiment only when there are cards). ``ValueError`` when an experiment
    of the paper is named :data:`CARD_EXPERIMENT` or a card is named like a study architecture
    (both would share the architecture key or the results folders)."""
    architectures = acc_cfg.get("architectures", {})
    if not cards:
        return paper, architectures
    if CARD_EXPERIMENT in paper:
        raise ValueError(f"accessibility.experiments.{CARD_EXPERIMENT}: the experiment name is reserved for the "
                         f"model cards (results/accessibility/models/{CARD_EXPERIMENT}/<card>/) - rename the experiment")
    clash = sorted(set(cards) & set(architectures))
    if clash:
        raise ValueError(f"models.{clash[0]}: a model card may not take the name of an accessibility architecture "
                         f"(config accessibility.architectures: {clash}); the card is the architecture "
                         f"{clash[0]!r} of its study spec - rename the card")
    specs = {**paper, CARD_EXPERIMENT: {n: card_spec(c, acc_cfg) for n, c in cards.items()}}
    return specs, {**architectures, **{n: card_architecture(c) for n, c in cards.items()}}
