"""Train / predict drivers of the DREAM study (what the rules call).

* :func:`train_and_predict`: one yeast model (named model or Prix Fixe combination) trained with
  its team recipe on the training table minus a held-out fraction (also the validation set),
  then: held-out Pearson/Spearman (``holdout.tsv``) and predictions for every test sequence keyed
  by the official test id (``predictions.tsv``: id, prediction).
* :func:`score_all`: the official score of every model's predictions (``scores.tsv`` per subset,
  ``summary.tsv`` per model).

A model spec (config ``dream.models.<name>`` or a grid cell) is a dict::

    {"arch": <registry name>, "recipe": "autosome"|"bhi"|"unlockdna", "hparams": {...},
     "recipe_kw": {...}, "train": {TrainConfig fields}}
"""

from __future__ import annotations

import inspect
import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.metrics.correlation import pearson, spearman
from regbench.studies.dream.data import (
    holdout_split,
    read_public_ids,
    read_subsets,
    read_test_labels,
    read_training,
    subset_sequences,
)
from regbench.workflow import atomic_path

log_ = logging.getLogger("regbench.dream")


def _import_models() -> None:
    import regbench.studies.dream.prixfixe  # noqa: F401  (registers dream_* models)
    import regbench.studies.dream.top3  # noqa: F401  (registers legnet, bhi_deepgxp, unlock_conformer)


def build_model(spec: dict, recipe):
    """Build the registry model of ``spec`` with the recipe's input shape filled in."""
    from regbench.models import registry

    _import_models()
    hp = dict(spec.get("hparams", {}))
    params = inspect.signature(registry.get(spec["arch"])).parameters
    for k, v in recipe.input_spec().items():
        if k in params and k not in hp:
            hp[k] = v
    return registry.build(spec["arch"], **hp)


def _reset_if_changed(outdir: Path, settings: dict, log) -> None:
    """Resume only a run with identical settings: a checkpoint left by other settings is removed
    (``outdir/run_settings.json`` records them)."""
    path = outdir / "run_settings.json"
    text = json.dumps(settings, sort_keys=True, default=str)
    if path.exists() and path.read_text() != text:
        log.info("%s: settings changed, discarding the old checkpoint", outdir)
        for f in ("checkpoint_last.pt", "best.pt", "model.pt", "history.tsv"):
            (outdir / f).unlink(missing_ok=True)
    outdir.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def read_test_table(test_labels: str | None, subsets_dir: str) -> pd.DataFrame:
    """Test sequences keyed by id: the full labelled test file when given, else the union of the
    subset files (id, seq)."""
    if test_labels:
        return read_test_labels(test_labels)
    return subset_sequences(subsets_dir)


def train_and_predict(
    name: str,
    spec: dict,
    train_path: str,
    plasmid_path: str,
    subsets_dir: str,
    test_labels: str | None,
    outdir: str | os.PathLike,
    holdout_fraction: float,
    seed: int,
    predictions_tsv: str,
    holdout_tsv: str,
    log: logging.Logger | None = None,
    *,
    precision: dict,
) -> dict:
    """Train one model, write its held-out metrics and test predictions. Returns the metrics.

    ``precision``: the study's ``precision`` section ({inference, training}, fp32 by default).
    """
    import torch

    from regbench.predict.device import study_precision
    from regbench.studies.dream.preprocess import read_plasmid
    from regbench.studies.dream.recipes import Recipe
    from regbench.train.trainer import TrainConfig, fit

    log = log or log_
    table = read_training(train_path)
    plasmid = read_plasmid(plasmid_path)
    tr, ho = holdout_split(len(table), holdout_fraction, seed)
    recipe = Recipe(spec["recipe"], dict(spec.get("recipe_kw", {})))
    seqs = table["seq"].tolist()
    y = table["expression"].to_numpy()
    x_tr, y_tr = recipe.train_arrays([seqs[i] for i in tr], y[tr], plasmid, seed)
    x_va, y_va = recipe.valid_arrays([seqs[i] for i in ho], y[ho], plasmid)
    log.info("%s: %s recipe, train %s, valid %s", name, recipe.name, x_tr.shape, x_va.shape)
    torch.manual_seed(seed)
    model = build_model(spec, recipe)
    cfg = TrainConfig(**{**spec.get("train", {}), "seed": seed,
                         "precision": study_precision({"precision": precision}, "training")})
    infer = study_precision({"precision": precision}, "inference")
    _reset_if_changed(Path(outdir), {"spec": spec, "seed": seed, "holdout_fraction": holdout_fraction, "n": len(table),
                                     "precision": cfg.precision}, log)
    res = fit(model, (x_tr, y_tr), (x_va, y_va), recipe.loss_fn(), cfg, outdir, augment=recipe.augment(model), log=log)
    model = res.model
    outdir = Path(outdir)
    # the selected weights, also when fit() returned a finished run from its checkpoint
    with atomic_path(outdir / "model.pt") as tmp:
        torch.save(model.state_dict(), tmp)
    with atomic_path(outdir / "spec.json") as tmp:
        tmp.write_text(json.dumps({"name": name, **spec, "stats": recipe.stats}, indent=1, sort_keys=True))

    bs = int(spec.get("predict_batch_size", 256))
    pred_ho = recipe.predict(model, [seqs[i] for i in ho], plasmid, batch_size=bs, precision=infer)
    metrics = {
        "model": name,
        "arch": spec["arch"],
        "recipe": recipe.name,
        "n_train": int(len(tr)),
        "n_holdout": int(len(ho)),
        "epochs": int(res.epochs_run),
        "n_params": int(sum(p.numel() for p in model.parameters())),
        "holdout_pearson": float(pearson(y[ho], pred_ho)),
        "holdout_spearman": float(spearman(y[ho], pred_ho)),
    }
    log.info("%s held-out: r=%.3f rho=%.3f", name, metrics["holdout_pearson"], metrics["holdout_spearman"])
    with atomic_path(holdout_tsv) as tmp:
        pd.DataFrame([metrics]).to_csv(tmp, sep="\t", index=False)

    test = read_test_table(test_labels, subsets_dir)
    pred = recipe.predict(model, test["seq"].tolist(), plasmid, batch_size=bs, precision=infer)
    with atomic_path(predictions_tsv) as tmp:
        pd.DataFrame({"id": test["id"].to_numpy(), "prediction": pred}).to_csv(tmp, sep="\t", index=False, float_format="%.9g")
    return metrics


def score_all(
    predictions: dict[str, str],
    holdouts: dict[str, str],
    test_labels: str,
    subsets_dir: str,
    public_dir: str,
    scores_tsv: str,
    summary_tsv: str,
    discard_public: bool = True,
) -> pd.DataFrame:
    """Official score of every model (name -> predictions TSV). Writes the per-subset table and a
    per-model summary (Pearson / Spearman score + held-out metrics)."""
    from regbench.studies.dream.scoring import score

    truth = read_test_labels(test_labels)
    subsets = read_subsets(subsets_dir)
    public = read_public_ids(public_dir) if discard_public else None
    tables, rows = [], []
    for name, path in predictions.items():
        pred = pd.read_csv(path, sep="\t")
        res = score(pred, truth, subsets, public)
        t = res.table.copy()
        t.insert(0, "model", name)
        tables.append(t)
        ho = pd.read_csv(holdouts[name], sep="\t").iloc[0].to_dict() if name in holdouts else {}
        rows.append({"model": name, **{k: v for k, v in ho.items() if k != "model"}, **res.summary()})
    with atomic_path(scores_tsv) as tmp:
        pd.concat(tables).to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    summary = pd.DataFrame(rows)
    with atomic_path(summary_tsv) as tmp:
        summary.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return summary
