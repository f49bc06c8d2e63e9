"""The one training loop: history, selection, early stopping, schedules, resume (also after SIGKILL)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from regbench.train.losses import get_loss
from regbench.train.trainer import TrainConfig, fit, load_trained

torch.set_num_threads(1)


class Tiny(nn.Module):
    def __init__(self, L=32):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 5, padding=2)
        self.drop = nn.Dropout(0.1)
        self.out = nn.Linear(8, 1)
        self.input_length, self.output_bin_size, self.n_tracks = L, None, 1

    def forward(self, x):
        h = torch.relu(self.conv(x.transpose(1, 2))).mean(-1)
        return self.out(self.drop(h))


def data(n, seed, L=32):
    rng = np.random.default_rng(seed)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, L))]
    y = (x[:, :, 1] + x[:, :, 2]).mean(1, keepdims=True).astype(np.float32) * 4  # GC content
    return x, y


def weights(m):
    return {k: v.detach().clone() for k, v in m.state_dict().items()}


def test_fit_learns_and_writes_files(tmp_path):
    torch.manual_seed(0)
    tr, va = data(256, 1), data(64, 2)
    res = fit(Tiny(), tr, va, get_loss("mse"), TrainConfig(max_epochs=6, batch_size=32, lr=1e-2), tmp_path,
              metrics={"r": lambda p, y: float(np.corrcoef(p.ravel(), y.ravel())[0, 1])})
    h = pd.read_csv(tmp_path / "history.tsv", sep="\t")
    assert list(h.columns[:5]) == ["epoch", "train_loss", "valid_loss", "lr", "seconds"] and "r" in h
    assert len(h) == 6 and res.epochs_run == 6
    assert h.valid_loss.iloc[-1] < h.valid_loss.iloc[0] * 0.5
    assert res.best_epoch == int(h.valid_loss.idxmin()) + 1
    assert h.r.iloc[-1] > 0.8
    for f in ("checkpoint_last.pt", "model.pt", "best.pt"):
        assert (tmp_path / f).exists()
    m2 = load_trained(Tiny(), tmp_path)
    for k, v in m2.state_dict().items():
        assert torch.equal(v, res.model.state_dict()[k])


def test_early_stopping_and_select(tmp_path):
    tr, va = data(64, 1), data(32, 2)
    cfg = TrainConfig(max_epochs=20, batch_size=16, lr=0.0, patience=2, select="last")
    res = fit(Tiny(), tr, va, get_loss("mse"), cfg, tmp_path / "a")
    # lr 0: epoch 1 sets the best, epochs 2 and 3 do not improve -> stop after epoch 3
    assert res.epochs_run == 3 and res.best_epoch == 1


def test_best_vs_last_selection(tmp_path):
    tr, va = data(64, 1), data(32, 2)
    torch.manual_seed(3)
    base = Tiny()
    init = weights(base)
    outs = {}
    for sel in ("best", "last"):
        m = Tiny()
        m.load_state_dict(init)
        # big lr: noisy valid loss; 4 epochs measured 1.975, 0.903, 0.214, 0.294 -> best is epoch 3
        cfg = TrainConfig(max_epochs=4, batch_size=16, lr=0.3, select=sel)
        outs[sel] = fit(m, tr, va, get_loss("mse"), cfg, tmp_path / sel)
    hist = outs["best"].history
    assert outs["best"].best_epoch == int(hist.valid_loss.idxmin()) + 1 < outs["best"].epochs_run == 4
    best_model = outs["best"].model
    last_model = outs["last"].model
    assert any(not torch.equal(best_model.state_dict()[k], last_model.state_dict()[k]) for k in init)

    def vloss(model):
        with torch.no_grad():
            return float(get_loss("mse")(model(torch.from_numpy(va[0])), torch.from_numpy(va[1])))

    # the selected models reproduce the best and the last validation loss
    assert vloss(best_model) == pytest.approx(hist.valid_loss.min(), rel=1e-4)
    assert vloss(last_model) == pytest.approx(hist.valid_loss.iloc[-1], rel=1e-4)


@pytest.mark.parametrize("schedule", ["onecycle", "cosine"])
def test_schedules_change_lr(tmp_path, schedule):
    tr, va = data(64, 1), data(32, 2)
    cfg = TrainConfig(max_epochs=4, batch_size=16, lr=1e-2, schedule=schedule, grad_clip=1.0)
    res = fit(Tiny(), tr, va, get_loss("mse"), cfg, tmp_path)
    lrs = res.history.lr.to_numpy()
    assert len(set(np.round(lrs, 12))) == 4  # a new rate every epoch
    assert np.all(lrs <= 1e-2 + 1e-12) and lrs[-1] < lrs[0] / 5


def test_plateau_schedule_halves_lr_when_valid_loss_worsens(tmp_path):
    """Validation targets of the opposite sign: learning the training task makes the validation
    loss rise every epoch (measured 4.94, 6.37, 7.41, 8.03), so with patience 0 and factor 0.5
    the rate recorded per epoch is 1e-2, 1e-2, 5e-3, 2.5e-3."""
    tr, (xv, yv) = data(64, 1), data(32, 2)
    torch.manual_seed(0)
    cfg = TrainConfig(max_epochs=4, batch_size=16, lr=1e-2, schedule="plateau", plateau_patience=0,
                      plateau_factor=0.5, grad_clip=1.0)
    res = fit(Tiny(), tr, (xv, -yv), get_loss("mse"), cfg, tmp_path)
    assert (np.diff(res.history.valid_loss.to_numpy()) > 0).all()
    np.testing.assert_allclose(res.history.lr.to_numpy(), [1e-2, 1e-2, 5e-3, 2.5e-3], rtol=1e-9)


def test_dataset_input_and_steps_per_epoch(tmp_path):
    x, y = data(64, 1)
    ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    seen = []

    def aug(xb, yb, g):
        seen.append(len(xb))
        return xb, yb

    fit(Tiny(), ds, data(16, 2), get_loss("mse"), TrainConfig(max_epochs=2, batch_size=8, steps_per_epoch=3),
        tmp_path, augment=aug)
    assert seen == [8] * 6


def test_resume_in_process_equals_uninterrupted(tmp_path):
    tr, va = data(64, 1), data(32, 2)
    torch.manual_seed(5)
    init = weights(Tiny())
    cfg = TrainConfig(max_epochs=4, batch_size=16, schedule="cosine", select="last")

    class Crash(Exception):
        pass

    def run(d, crash_at=None):
        calls = []

        def aug(x, y, g):
            calls.append(1)
            if crash_at is not None and len(calls) == crash_at:
                raise Crash
            return x, y

        m = Tiny()
        m.load_state_dict(init)
        return fit(m, tr, va, get_loss("mse"), cfg, d, augment=aug)

    full = run(tmp_path / "full")
    with pytest.raises(Crash):
        run(tmp_path / "part", crash_at=11)  # 4 steps/epoch: dies in epoch 3
    assert len(pd.read_csv(tmp_path / "part" / "history.tsv", sep="\t")) == 2
    resumed = run(tmp_path / "part")
    assert resumed.epochs_run == 4 and len(resumed.history) == 4
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k
    again = run(tmp_path / "part", crash_at=1)  # finished run: returns at once, no training step
    assert again.epochs_run == 4


SCRIPT = textwrap.dedent(
    """
    import sys, time, numpy as np, torch
    from torch import nn
    torch.set_num_threads(1)
    from regbench.train.trainer import TrainConfig, fit
    from regbench.train.losses import get_loss

    class Slow(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(4, 8, 5, padding=2)
            self.drop = nn.Dropout(0.2)
            self.out = nn.Linear(8, 1)
        def forward(self, x):
            if self.training:
                time.sleep(0.03)
            return self.out(self.drop(torch.relu(self.conv(x.transpose(1, 2))).mean(-1)))

    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (128, 32))]
    y = x[:, :, 1:3].sum(-1).mean(1, keepdims=True).astype(np.float32)
    torch.manual_seed(1)
    m = Slow()
    cfg = TrainConfig(max_epochs=6, batch_size=16, lr=1e-2, schedule="plateau", seed=7)
    res = fit(m, (x[:96], y[:96]), (x[96:], y[96:]), get_loss("mse"), cfg, sys.argv[1])
    torch.save(m.state_dict(), sys.argv[1] + "/final.pt")
    print("EPOCHS", res.epochs_run)
    """
)


@pytest.mark.slow
def test_sigkill_and_resume_gives_identical_weights(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    full = tmp_path / "full"
    out = subprocess.run([sys.executable, str(script), str(full)], env=env, capture_output=True, text=True, check=True)
    assert "EPOCHS 6" in out.stdout

    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(script), str(killed)], env=env)
    deadline = time.time() + 60
    while not (killed / "checkpoint_last.pt").exists():
        assert time.time() < deadline and proc.poll() is None, "no checkpoint appeared"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    ck = torch.load(killed / "checkpoint_last.pt", weights_only=False)
    assert 1 <= ck["epoch"] < 6, "the run was not interrupted mid-training"
    out2 = subprocess.run([sys.executable, str(script), str(killed)], env=env, capture_output=True, text=True,
                          check=True)
    assert "EPOCHS 6" in out2.stdout
    a = torch.load(full / "final.pt")
    b = torch.load(killed / "final.pt")
    for k in a:
        assert torch.equal(a[k], b[k]), k
    ha = pd.read_csv(full / "history.tsv", sep="\t")
    hb = pd.read_csv(killed / "history.tsv", sep="\t")
    assert np.array_equal(ha.valid_loss.to_numpy(), hb.valid_loss.to_numpy())


def test_recalibrate_batchnorm_uses_eval_mode_dropout_and_whole_data_statistics():
    """After recalibration a BatchNorm after Dropout holds the mean / unbiased variance of its
    input over all given batches computed with dropout off (numpy), and dropout is untouched."""
    from regbench.train.trainer import recalibrate_batchnorm

    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    model = nn.Sequential(lin, nn.Dropout(0.5), nn.BatchNorm1d(2, momentum=0.01))
    x = torch.randn(40, 3)
    batches = [(x[i : i + 8], torch.zeros(8)) for i in range(0, 40, 8)]
    used = recalibrate_batchnorm(model, iter(batches), 4, torch.device("cpu"))
    assert used == 4
    with torch.no_grad():
        h = lin(x[:32]).numpy()  # dropout off: the plain linear output
    bn = model[2]
    # cumulative average of per-batch means/variances (momentum=None), batches equal-sized
    per_mean = np.stack([h[i : i + 8].mean(0) for i in range(0, 32, 8)]).mean(0)
    per_var = np.stack([h[i : i + 8].var(0, ddof=1) for i in range(0, 32, 8)]).mean(0)
    np.testing.assert_allclose(bn.running_mean.numpy(), per_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), per_var, rtol=1e-5, atol=1e-6)
    assert bn.momentum == 0.01 and model.training  # restored


def test_finished_run_rewrites_a_removed_model_pt(tmp_path):
    # Snakemake deletes a rerun job's outputs (model.pt) but not checkpoint_last.pt: resuming the
    # finished run must still leave the selected weights in model.pt
    tr, va = data(32, 1), data(16, 2)
    cfg = TrainConfig(max_epochs=2, batch_size=16, select="best")
    torch.manual_seed(0)
    fit(Tiny(), tr, va, get_loss("mse"), cfg, tmp_path)
    first = torch.load(tmp_path / "model.pt", weights_only=True)
    (tmp_path / "model.pt").unlink()
    res = fit(Tiny(), tr, va, get_loss("mse"), cfg, tmp_path)
    assert res.epochs_run == 2
    again = torch.load(tmp_path / "model.pt", weights_only=True)
    assert set(again) == set(first) and all(torch.equal(again[k], first[k]) for k in first)


def test_checkpoint_writes_go_through_workflow_atomic_path(tmp_path):
    """The trainer's files use the one temp-and-rename (workflow.atomic_path): a save that fails
    half-way keeps the previous file and leaves no temp file behind."""
    import regbench.train.trainer as T

    path = tmp_path / T.CHECKPOINT
    T._atomic_torch_save({"step": 1}, path)
    assert torch.load(path)["step"] == 1

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        T._atomic_torch_save({"step": 2, "x": Unpicklable()}, path)
    assert torch.load(path)["step"] == 1 and sorted(p.name for p in tmp_path.iterdir()) == [T.CHECKPOINT]
    T._write_history([{"epoch": 0, "loss": 1.5}], tmp_path / "history.tsv")
    assert (tmp_path / "history.tsv").read_text().splitlines() == ["epoch\tloss", "0\t1.5"]
