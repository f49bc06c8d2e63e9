"""Streamed DREAM training data (issue 15): codes on disk + per-batch encoding give the same
numbers as the eager arrays, on the demo world's training file."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from regbench.data.demo.dream import make_yeast
from regbench.errors import InputError
from regbench.studies.dream import preprocess as pp
from regbench.studies.dream.data import holdout_split, is_singleton, read_training
from regbench.studies.dream.recipes import BHI_PADDING_PROBS, Recipe, RecipeData, bhi_padding_modes
from regbench.studies.dream.store import SequenceStore, encode_table, streaming_moments

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("dream_demo")
    make_yeast(d, seed=42, n_train=600, n_random_test=20, n_designed=5, n_snv=10)
    encode_table(d / "train_sequences.txt", d / "store", chunk_rows=128)  # several chunks
    return d


def test_store_round_trip(demo):
    table = read_training(demo / "train_sequences.txt")
    store = SequenceStore(demo / "store")
    assert len(store) == len(table) == 600
    rows = np.array([599, 0, 17, 17, 300])
    assert store.seqs(rows) == table["seq"].iloc[rows].tolist()
    assert np.array_equal(np.asarray(store.y), table["expression"].to_numpy())
    assert np.array_equal(np.asarray(store.lengths), table["seq"].str.len().to_numpy())
    store.seqs([1])  # opens the files
    clone = pickle.loads(pickle.dumps(store))  # DataLoader workers: files reopened, not copied
    assert all(f._fd is None for f in clone._files.values()) and clone.seqs([3]) == store.seqs([3])
    assert np.array_equal(store.column("y", [5, 2, 5]), table["expression"].to_numpy()[[5, 2, 5]])


def test_streaming_moments_equal_numpy(demo):
    y = np.asarray(SequenceStore(demo / "store").y)
    rows = np.sort(np.random.default_rng(0).choice(600, 450, replace=False))
    mean, std = streaming_moments(y, rows, chunk=100)
    assert mean == pytest.approx(np.mean(y[rows]), rel=1e-12) and std == pytest.approx(np.std(y[rows]), rel=1e-12)


def test_bad_letter_and_value_name_the_line(tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("ACGT\t1.5\nACXT\t2\n")
    with pytest.raises(InputError, match=r"line 2.*'X' at position 3"):
        encode_table(f, tmp_path / "s")
    assert not (tmp_path / "s").exists()  # no partial output
    f.write_text("ACGT\t1.5\nACGT\tx\n")
    with pytest.raises(InputError, match="line 2.*numeric expression"):
        encode_table(f, tmp_path / "s")


def test_autosome_batches_equal_the_eager_arrays(demo):
    """Items 0..n-1 forward, n..2n-1 reverse complements: the eager autosome_train_arrays rows."""
    table = read_training(demo / "train_sequences.txt")
    plasmid = pp.read_plasmid(demo / "plasmid.json")
    tr, ho = holdout_split(len(table), 0.1, 42)
    seqs, y = table["seq"].tolist(), table["expression"].to_numpy()
    x_old, y_old = pp.autosome_train_arrays([seqs[i] for i in tr], y[tr], is_singleton(y[tr]), plasmid)
    data = RecipeData(SequenceStore(demo / "store"), tr, Recipe("autosome"), plasmid, "train")
    assert len(data) == len(x_old) == 2 * len(tr)
    idx = np.arange(len(data))
    assert np.array_equal(data.x[idx], x_old) and np.array_equal(data.y[idx], y_old)
    valid = RecipeData(SequenceStore(demo / "store"), ho, Recipe("autosome"), plasmid, "valid")
    fwd, _ = pp.autosome_predict_inputs([seqs[i] for i in ho], plasmid)
    assert np.array_equal(valid.x[np.arange(len(ho))], fwd)


def test_unlock_batches_equal_the_eager_arrays(demo):
    table = read_training(demo / "train_sequences.txt")
    seqs = table["seq"].tolist()
    rec = Recipe("unlockdna")
    rec.fit_stats(table["expression"].mean(), table["expression"].std(ddof=0))
    data = RecipeData(SequenceStore(demo / "store"), np.arange(600), rec, "", "train")
    x, yy = data.batch(np.arange(600))
    assert np.array_equal(x, pp.unlock_encode(pp.unlock_tokens(seqs)))
    z = (table["expression"].to_numpy() - table["expression"].mean()) / table["expression"].std(ddof=0)
    assert np.allclose(yy[:, 0], z, atol=1e-6)


def test_bhi_padding_is_redrawn_every_epoch_with_the_code_probabilities():
    rows = np.arange(200_000)
    e1, e2 = bhi_padding_modes(40, 1, rows), bhi_padding_modes(40, 2, rows)
    assert bhi_padding_modes(40, 1, rows[::-1])[::-1] == e1  # a function of (seed, epoch, row) only
    assert np.mean(np.array(e1) != np.array(e2)) > 0.5
    freq = [np.mean(np.array(e1) == m) for m in ("right", "left", "both")]
    # the team's two draws: right 0.333, left 0.667 x 0.334 = 0.223, both 0.444 (not 3:4:2)
    assert freq == pytest.approx(BHI_PADDING_PROBS["code"], abs=0.005)
    paper = [np.mean(np.array(bhi_padding_modes(40, 1, rows, BHI_PADDING_PROBS["paper"])) == m) for m in ("right", "left", "both")]
    assert paper == pytest.approx([3 / 9, 4 / 9, 2 / 9], abs=0.005)


def test_training_on_streamed_batches_gives_identical_weights(demo, tmp_path):
    """fit() on the eager arrays and on RecipeData views: bit-identical weights (CPU)."""
    from regbench.models import registry
    from regbench.studies.dream import prixfixe  # noqa: F401
    from regbench.studies.dream.recipes import autosome_loss
    from regbench.train.trainer import TrainConfig, fit

    table = read_training(demo / "train_sequences.txt")
    plasmid = pp.read_plasmid(demo / "plasmid.json")
    tr, ho = holdout_split(len(table), 0.1, 7)
    seqs, y = table["seq"].tolist(), table["expression"].to_numpy()
    eager_tr = pp.autosome_train_arrays([seqs[i] for i in tr], y[tr], is_singleton(y[tr]), plasmid)
    fwd, _ = pp.autosome_predict_inputs([seqs[i] for i in ho], plasmid)
    eager_va = (fwd, y[ho].astype(np.float32).reshape(-1, 1))
    store = SequenceStore(demo / "store")
    tr_data = RecipeData(store, tr, Recipe("autosome"), plasmid, "train")
    va_data = RecipeData(store, ho, Recipe("autosome"), plasmid, "valid")
    cfg = TrainConfig(max_epochs=2, batch_size=64, lr=3e-3, optimizer="adamw", steps_per_epoch=5, seed=7)
    out = {}
    for name, (t, v) in {"eager": (eager_tr, eager_va), "streamed": ((tr_data.x, tr_data.y), (va_data.x, va_data.y))}.items():
        torch.manual_seed(7)
        m = registry.build("dream_cnn", scale=0.05, init="torch", core_kw={"block_sizes": [8], "resize_factor": 2})
        out[name] = fit(m, t, v, autosome_loss, cfg, tmp_path / name)
    a, b = out["eager"].model.state_dict(), out["streamed"].model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert out["eager"].history.valid_loss.tolist() == out["streamed"].history.valid_loss.tolist()


def test_trainer_workers_give_the_same_weights(demo, tmp_path):
    """num_workers = 1 (the trainer's DataLoader workers encode the RecipeData batches, the
    store reopened in the worker) trains exactly as num_workers = 0."""
    from regbench.models import registry
    from regbench.studies.dream import prixfixe  # noqa: F401
    from regbench.studies.dream.recipes import autosome_loss
    from regbench.train.trainer import TrainConfig, fit

    plasmid = pp.read_plasmid(demo / "plasmid.json")
    data = RecipeData(SequenceStore(demo / "store"), np.arange(300), Recipe("autosome"), plasmid, "train")
    weights = []
    for workers in (0, 1):
        torch.manual_seed(1)
        m = registry.build("dream_cnn", scale=0.05, init="torch", core_kw={"block_sizes": [8], "resize_factor": 2})
        cfg = TrainConfig(max_epochs=1, batch_size=32, steps_per_epoch=4, seed=1, num_workers=workers)
        weights.append(fit(m, (data.x, data.y), None, autosome_loss, cfg, tmp_path / str(workers)).model.state_dict())
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_dataloader_workers_path(demo):
    """The Dataset path (num_workers > 0) serves the same items as the array views."""
    table = read_training(demo / "train_sequences.txt")
    plasmid = pp.read_plasmid(demo / "plasmid.json")
    data = RecipeData(SequenceStore(demo / "store"), np.arange(len(table)), Recipe("autosome"), plasmid, "train")
    loader = torch.utils.data.DataLoader(data, batch_size=32, shuffle=False, num_workers=1)
    x, yy = next(iter(loader))
    assert torch.equal(x, torch.from_numpy(data.x[np.arange(32)])) and torch.equal(yy, torch.from_numpy(data.y[np.arange(32)]))
