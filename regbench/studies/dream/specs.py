"""The DREAM study's model axis: every yeast model rule ``dream_train`` trains, by name.

A model spec is what :func:`regbench.studies.dream.runs.train_and_predict` trains::

    {"arch": <registry name>, "recipe": "autosome"|"bhi"|"unlockdna", "hparams": {...},
     "recipe_kw": {...}, "train": {TrainConfig fields}, "file": <optional model code to import>}

The paper's models are specs of config ``dream.models`` and of the Prix Fixe grid; a user's model
card (config ``models:``, qualified for ``dream`` by :func:`regbench.leaderboard.cards.qualify`)
becomes one more spec by :func:`card_spec` - the card's registry architecture with the study's
recipe and trainer settings - so one rule and one function train and score both.

Pure Python (no torch, numpy or pandas): the Snakefile calls it at parse time.
"""

from __future__ import annotations


def card_spec(card: dict, dream_cfg: dict) -> dict:
    """The DREAM study's model spec for a validated model card.

    ``arch``: the card's architecture; ``hparams``: the card's (+ its ``benchmarks.dream.hparams``);
    ``recipe``: the card's team recipe; trainer settings: the study's for the recipe - those of the
    first ``dream.models`` entry with the same recipe (else the Prix Fixe grid's ``train`` if it
    uses the recipe, else the first named model's), overridden by the card's
    ``benchmarks.dream.train``; ``file``: the card's model code (imported before the model is
    built, so its ``registry.register`` calls run).
    """
    b = card["benchmarks"]["dream"]
    hparams = {**card.get("hparams", {}), **(b.get("hparams") or {})}
    models = dream_cfg.get("models") or {}
    same = [m for m in models.values() if m.get("recipe") == b["recipe"]]
    pf = dream_cfg.get("prixfixe") or {}
    if same:
        base = same[0]
    elif pf.get("recipe") == b["recipe"] and pf.get("train"):
        base = {"train": pf["train"], "recipe_kw": pf.get("recipe_kw", {})}
    else:
        base = next(iter(models.values()), {})
    spec = {
        "arch": card["arch"],
        "recipe": b["recipe"],
        "recipe_kw": dict(base.get("recipe_kw") or {}),
        "hparams": hparams,
        "train": {**(base.get("train") or {}), **(b.get("train") or {})},
    }
    if "predict_batch_size" in base:
        spec["predict_batch_size"] = base["predict_batch_size"]
    if card.get("file"):
        spec["file"] = str(card["file"])
    return spec


def model_specs(paper: dict[str, dict], cards: dict[str, dict], dream_cfg: dict) -> dict[str, dict]:
    """Every model ``dream_train`` can train: the paper's specs (``paper``: name -> spec) and the
    qualified cards (``cards``: name -> validated card) as specs (:func:`card_spec`), paper models
    first. A card named like a paper model would share its outputs (results/dream/models/<name>/,
    predictions/<name>.tsv): ``ValueError`` naming both."""
    clash = sorted(set(paper) & set(cards))
    if clash:
        raise ValueError(
            f"models.{clash[0]}: a model card may not take the name of a DREAM paper model "
            f"(config dream.models or the Prix Fixe grid: {clash}); both would write "
            f"results/dream/predictions/{clash[0]}.tsv - rename the card"
        )
    return {**paper, **{name: card_spec(card, dream_cfg) for name, card in cards.items()}}
