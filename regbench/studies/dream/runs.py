"""Train / predict drivers of the DREAM study (what the rules call).

* :func:`train_and_predict`: one yeast model (named model or Prix Fixe combination) trained with
  its team recipe on the training table minus a held-out fraction (also the validation set; 0 =
  train on everything), batches encoded from codes on disk, then: held-out Pearson/Spearman
  (``holdout.tsv``) and predictions for every test sequence keyed by the official test id
  (``predictions.tsv``: id, prediction).
* :func:`score_model`: the official score of one model's predictions (per subset, on all and on
  the public-leaderboard ids) and its summary row; :func:`score_one` writes it for one model
  (rule ``dream_model_score``), :func:`score_all` for the paper's model set (``scores.tsv`` per
  subset, ``summary.tsv`` per model; rule ``dream_score``).

A model spec (config ``dream.models.<name>``, a grid cell, or a model card:
:mod:`regbench.studies.dream.specs`) is a dict::

    {"arch": <registry name>, "recipe": "autosome"|"bhi"|"unlockdna", "hparams": {...},
     "recipe_kw": {...}, "train": {TrainConfig fields}, "file": <optional model code>}
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
    subset_sequences,
)
from regbench.workflow import atomic_path

log_ = logging.getLogger("regbench.dream")


def _import_models() -> None:
    import regbench.studies.dream.prixfixe  # noqa: F401  (registers dream_* models)
    import regbench.studies.dream.top3  # noqa: F401  (registers legnet, bhi_deepgxp, unlock_conformer)


def build_model(spec: dict, recipe):
    """Build the registry model of ``spec`` with the recipe's input shape filled in (a card's
    ``file`` is imported first, so the architecture it registers exists)."""
    from regbench.models import registry

    _import_models()
    if spec.get("file"):
        registry.load_user_models(spec["file"])
    hp = dict(spec.get("hparams", {}))
    params = inspect.signature(registry.get(spec["arch"])).parameters
    for k, v in recipe.input_spec().items():
        if k in params and k not in hp:
            hp[k] = v
    return registry.build(spec["arch"], **hp)


def check_output(model, recipe, name: str) -> tuple[int, ...]:
    """One all-zero batch ``(1, input_length, in_channels)`` of the recipe through ``model`` (eval
    mode, no gradient): the output must be ``(1, k)`` (the recipe's expression head: k = 1, or the
    18 bins of the Autosome.org recipe). Returns the shape; ``ValueError`` naming the model else."""
    import torch

    spec = recipe.input_spec()
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        shape = tuple(model(torch.zeros(1, int(spec["input_length"]), int(spec["in_channels"]))).shape)
    model.train(was_training)
    if len(shape) != 2 or shape[0] != 1:
        raise ValueError(f"dream model {name}: the {recipe.name} recipe needs a model mapping "
                         f"(1, {spec['input_length']}, {spec['in_channels']}) to (1, k); it returned {shape}")
    return shape


def read_test_table(test_labels: str | None, subsets_dir: str) -> pd.DataFrame:
    """Test sequences keyed by id: the full labelled test file when given, else the union of the
    subset files (id, seq)."""
    if test_labels:
        return read_test_labels(test_labels)
    return subset_sequences(subsets_dir)


def open_training_store(train: str | os.PathLike, cache_dir: str | os.PathLike, log=None):
    """A :class:`~regbench.studies.dream.store.SequenceStore` for ``train``: the directory itself
    when it is an encoded table (rule ``dream_encode``), else the text table encoded once into
    ``cache_dir/train_store`` (small inputs, e.g. a leaderboard card's run)."""
    from regbench.studies.dream.store import SequenceStore, encode_table

    train = Path(train)
    if train.is_dir():
        return SequenceStore(train)
    store_dir = Path(cache_dir) / "train_store"
    if not (store_dir / "meta.json").exists() or json.loads((store_dir / "meta.json").read_text()).get("source") != str(train):
        import shutil

        shutil.rmtree(store_dir, ignore_errors=True)
        encode_table(train, store_dir, log=log)
    return SequenceStore(store_dir)


def predict_rows(recipe, model, store, rows, plasmid: str, batch_size: int, chunk: int = 4096, log=None, *,
                 precision: str) -> np.ndarray:
    """Recipe predictions for store rows, ``chunk`` rows decoded at a time."""
    rows = np.asarray(rows, dtype=np.int64)
    parts = [recipe.predict(model, store.seqs(rows[i : i + chunk]), plasmid, batch_size=batch_size, log=log, precision=precision)
             for i in range(0, len(rows), chunk)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _training_data(data, cfg=None):
    """What fit() gets: the (x, y) array views of a RecipeData / FollowupData (the trainer draws
    the index batches; with ``num_workers`` > 0 its DataLoader workers encode them)."""
    if data is None:
        return None
    return (data.x, data.y)


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

    ``train_path``: an encoded training table (directory from rule ``dream_encode``) or the text
    table. ``spec["holdout_fraction"]``, when present, overrides ``holdout_fraction`` (0 = train
    on every row with no validation, as Autosome.org and BHI trained their final models; the
    held-out metrics are then NaN). Training batches are encoded from the codes on disk
    (:class:`~regbench.studies.dream.recipes.RecipeData`); ``spec["train"]["select_metric"] =
    "pearson"`` selects the epoch with the best validation Pearson r.
    """
    import torch

    from regbench.predict.device import study_precision
    from regbench.studies.dream.preprocess import read_plasmid
    from regbench.studies.dream.recipes import Recipe, RecipeData
    from regbench.studies.dream.store import streaming_moments
    from regbench.train.trainer import TrainConfig, file_digest, fit, reset_if_changed

    log = log or log_
    outdir = Path(outdir)
    holdout_fraction = float(spec.get("holdout_fraction", holdout_fraction))
    store = open_training_store(train_path, outdir, log)
    plasmid = read_plasmid(plasmid_path)
    recipe = Recipe(spec["recipe"], dict(spec.get("recipe_kw", {})))
    tr, ho = holdout_split(len(store), holdout_fraction, seed)
    keep = np.concatenate([recipe.keep_training_row(v) for v in store.iter_column("lengths", tr)] or [np.zeros(0, bool)])
    if not keep.all():
        log.info("%s: %d training rows dropped by the %s recipe (too long)", name, int((~keep).sum()), recipe.name)
        tr = tr[keep]
        ho = ho[np.concatenate([recipe.keep_training_row(v) for v in store.iter_column("lengths", ho)] or [np.zeros(0, bool)])]
    recipe.fit_stats(*streaming_moments(store, tr))
    cfg = TrainConfig(**{**spec.get("train", {}), "seed": seed,
                         "precision": study_precision({"precision": precision}, "training")})
    infer = study_precision({"precision": precision}, "inference")
    train_data = RecipeData(store, tr, recipe, plasmid, "train", seed)
    valid_data = RecipeData(store, ho, recipe, plasmid, "valid", seed) if len(ho) else None
    log.info("%s: %s recipe, %d training items (%d rows), %d validation rows", name, recipe.name,
             len(train_data), len(tr), len(ho))
    torch.manual_seed(seed)
    model = build_model(spec, recipe)
    check_output(model, recipe, name)
    metrics = {"pearson": lambda p, y: float(pearson(y[:, 0], p[:, 0]))} if valid_data is not None else None
    settings = {"spec": spec, "seed": seed, "holdout_fraction": holdout_fraction, "n": len(store), "precision": cfg.precision}
    if spec.get("file"):  # a card's code changed: never resume from the weights of the old code
        settings["file_sha256"] = file_digest(spec["file"])
    reset_if_changed(outdir, settings, log)
    res = fit(model, _training_data(train_data, cfg), _training_data(valid_data, cfg), recipe.loss_fn(), cfg, outdir,
              augment=recipe.augment(model), metrics=metrics, log=log)
    model = res.model
    # the selected weights, also when fit() returned a finished run from its checkpoint
    with atomic_path(outdir / "model.pt") as tmp:
        torch.save(model.state_dict(), tmp)
    with atomic_path(outdir / "spec.json") as tmp:
        tmp.write_text(json.dumps({"name": name, **spec, "stats": recipe.stats}, indent=1, sort_keys=True))

    bs = int(spec.get("predict_batch_size", 256))
    metrics_row = {
        "model": name,
        "arch": spec["arch"],
        "recipe": recipe.name,
        "n_train": int(len(tr)),
        "n_holdout": int(len(ho)),
        "epochs": int(res.epochs_run),
        "best_epoch": int(res.best_epoch),
        "n_params": int(sum(p.numel() for p in model.parameters())),
        "holdout_pearson": float("nan"),
        "holdout_spearman": float("nan"),
    }
    if len(ho):
        pred_ho = predict_rows(recipe, model, store, ho, plasmid, bs, log=log, precision=infer)
        y_ho = store.column("y", ho)
        metrics_row["holdout_pearson"] = float(pearson(y_ho, pred_ho))
        metrics_row["holdout_spearman"] = float(spearman(y_ho, pred_ho))
    log.info("%s held-out: r=%.3f rho=%.3f", name, metrics_row["holdout_pearson"], metrics_row["holdout_spearman"])
    with atomic_path(holdout_tsv) as tmp:
        pd.DataFrame([metrics_row]).to_csv(tmp, sep="\t", index=False)

    test = read_test_table(test_labels, subsets_dir)
    pred = recipe.predict(model, test["seq"].tolist(), plasmid, batch_size=bs, log=log, precision=infer)
    with atomic_path(predictions_tsv) as tmp:
        pd.DataFrame({"id": test["id"].to_numpy(), "prediction": pred}).to_csv(tmp, sep="\t", index=False, float_format="%.9g")
    return metrics_row


def score_model(name: str, predictions_tsv, holdout_tsv, truth: pd.DataFrame, subsets: dict, public_ids: dict,
                discard_public: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Official DREAM score of one model's test predictions (:func:`regbench.studies.dream.scoring.score`).

    Returns ``(table, public_table, row)``: the per-subset table (model, subset, kind, weight, n,
    pearson, spearman; scored without the public-leaderboard ids when ``discard_public``), the
    same on the public ids only (+ pearson_score, spearman_score) and the summary row (model, the
    held-out metrics of ``holdout_tsv``, pearson_score, spearman_score, *_public)."""
    from regbench.studies.dream.scoring import score

    pred = pd.read_csv(predictions_tsv, sep="\t")
    res = score(pred, truth, subsets, public_ids if discard_public else None)
    t = res.table.copy()
    t.insert(0, "model", name)
    pub = score(pred, truth, subsets, public_ids, public_only=True)
    pt = pub.table.copy()
    pt.insert(0, "model", name)
    pt["pearson_score"], pt["spearman_score"] = pub.pearson_score, pub.spearman_score
    ho = pd.read_csv(holdout_tsv, sep="\t").iloc[0].to_dict() if holdout_tsv else {}
    row = {"model": name, **{k: v for k, v in ho.items() if k != "model"}, **res.summary(),
           "pearson_score_public": pub.pearson_score, "spearman_score_public": pub.spearman_score}
    return t, pt, row


def score_one(name: str, predictions_tsv, holdout_tsv, test_labels, subsets_dir, public_dir, scores_tsv, summary_tsv,
              discard_public: bool = True) -> dict:
    """:func:`score_model` of one model (a paper model or a model card; rule ``dream_model_score``),
    written as :func:`score_all` writes the model set: ``scores_tsv`` (per subset) and
    ``summary_tsv`` (one row). Returns the summary row."""
    t, _, row = score_model(name, predictions_tsv, holdout_tsv, read_test_labels(test_labels), read_subsets(subsets_dir),
                            read_public_ids(public_dir), discard_public)
    with atomic_path(scores_tsv) as tmp:
        t.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    with atomic_path(summary_tsv) as tmp:
        pd.DataFrame([row]).to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return row


def score_all(
    predictions: dict[str, str],
    holdouts: dict[str, str],
    test_labels: str,
    subsets_dir: str,
    public_dir: str,
    scores_tsv: str,
    summary_tsv: str,
    discard_public: bool = True,
    public_scores_tsv: str | None = None,
) -> pd.DataFrame:
    """Official score of every model (name -> predictions TSV). Writes the per-subset table and a
    per-model summary (Pearson / Spearman score + held-out metrics); ``public_scores_tsv``: the
    same on the public-leaderboard ids only (columns model, subset, ..., and per model the rows
    ``pearson_score`` / ``spearman_score`` in ``subset``), to compare with the scores the teams
    reported from the public leaderboard."""
    truth = read_test_labels(test_labels)
    subsets = read_subsets(subsets_dir)
    public_ids = read_public_ids(public_dir)
    tables, rows, public_tables = [], [], []
    for name, path in predictions.items():
        t, pt, row = score_model(name, path, holdouts.get(name), truth, subsets, public_ids, discard_public)
        tables.append(t)
        public_tables.append(pt)
        rows.append(row)
    with atomic_path(scores_tsv) as tmp:
        pd.concat(tables).to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    if public_scores_tsv:
        with atomic_path(public_scores_tsv) as tmp:
            pd.concat(public_tables).to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    summary = pd.DataFrame(rows)
    with atomic_path(summary_tsv) as tmp:
        summary.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return summary
