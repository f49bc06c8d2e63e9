"""Engine == plain forward loop (fp32, atol 1e-5) with/without cache and ensembles; duplicates once."""

import numpy as np
import pytest
import torch
from torch import nn

from regbench.genome.onehot import decode, one_hot, rc_one_hot
from regbench.predict.engine import SequenceCache, predict

torch.set_num_threads(1)


class Profile(nn.Module):
    """(N, L, 4) -> (N, L/8, 3) with a strand-asymmetric conv, counts forward calls/rows."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv1d(4, 3, 7, padding=3)
        self.calls = 0
        self.rows = 0
        self.input_length, self.output_bin_size, self.n_tracks = 64, 8, 3

    def forward(self, x):
        self.calls += 1
        self.rows += len(x)
        h = self.conv(x.transpose(1, 2))
        return nn.functional.avg_pool1d(h, 8).transpose(1, 2)


class Scalar(Profile):
    def forward(self, x):
        return super().forward(x).mean(1)


def make_x(n=10, L=64, seed=0):
    rng = np.random.default_rng(seed)
    return np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, L))]


def shift_np(x, s):
    out = np.zeros_like(x)
    if s > 0:
        out[:, s:] = x[:, :-s]
    elif s < 0:
        out[:, :s] = x[:, -s:]
    else:
        out = x.copy()
    return out


def plain(model, x, rc=False, shifts=(0,)):
    outs = []
    with torch.no_grad():
        for i in range(len(x)):
            acc = []
            for s in shifts:
                xs = shift_np(x[i : i + 1], s)
                acc.append(model(torch.from_numpy(xs)).numpy())
                if rc:
                    o = model(torch.from_numpy(rc_one_hot(xs))).numpy()
                    acc.append(o[:, ::-1] if o.ndim == 3 else o)
            outs.append(np.mean(acc, axis=0)[0])
    return np.stack(outs)


@pytest.mark.parametrize("cls", [Profile, Scalar])
@pytest.mark.parametrize("rc,shifts", [(False, (0,)), (True, (0,)), (True, (-2, 0, 3)), (False, (1, -1))])
def test_engine_equals_plain_loop(cls, rc, shifts):
    m = cls().eval()
    x = make_x()
    want = plain(m, x, rc, shifts)
    got = predict(m, x, batch_size=4, rc=rc, shifts=shifts, precision="fp32", progress=False)
    np.testing.assert_allclose(got, want, atol=1e-5)
    cache = SequenceCache()
    got1 = predict(m, x, batch_size=3, rc=rc, shifts=shifts, cache=cache, precision="fp32", progress=False)
    m.calls = 0
    got2 = predict(m, x, batch_size=3, rc=rc, shifts=shifts, cache=cache, precision="fp32", progress=False)
    assert m.calls == 0 and cache.hits == len(x)
    np.testing.assert_allclose(got1, want, atol=1e-5)
    np.testing.assert_array_equal(got1, got2)


def test_duplicates_computed_once_and_strings():
    m = Profile().eval()
    x = make_x(5)
    dup = np.concatenate([x, x[[0, 0, 3]], x])  # 13 inputs, 5 unique
    out = predict(m, dup, batch_size=64, precision="fp32", progress=False)
    assert m.rows == 5 and m.calls == 1
    np.testing.assert_allclose(out, plain(m, dup), atol=1e-5)
    seqs = decode(dup)
    m.rows = 0
    out_s = predict(m, seqs, batch_size=2, precision="fp32", progress=False)
    assert m.rows == 5
    np.testing.assert_allclose(out_s, out, atol=1e-6)


def test_reduce_runs_after_ensemble_and_settings_key_cache():
    m = Profile().eval()
    x = make_x(6)
    cache = SequenceCache()
    full = predict(m, x, rc=True, cache=cache, precision="fp32", progress=False)
    red = predict(m, x, rc=True, cache=cache, reduce=lambda o: o[:, 3:5, 1].mean(1), precision="fp32",
                  progress=False)
    assert red.shape == (6,)
    np.testing.assert_allclose(red, full[:, 3:5, 1].mean(1), atol=1e-6)
    # a different setting (no rc) must not be served from the cache
    norc = predict(m, x, rc=False, cache=cache, precision="fp32", progress=False)
    assert not np.allclose(norc, full)


def test_iterable_of_batches_and_bf16_close():
    m = Profile().eval()
    x = make_x(8)
    got = predict(m, (x[i : i + 3] for i in range(0, 8, 3)), precision="fp32", progress=False)
    np.testing.assert_allclose(got, plain(m, x), atol=1e-5)
    bf = predict(m, x, precision="bf16", progress=False)
    np.testing.assert_allclose(bf, got, atol=0.05)


def test_strings_use_genome_one_hot():
    m = Profile().eval()
    seqs = ["ACGTN" * 12 + "ACGT", "T" * 64]
    got = predict(m, seqs, precision="fp32", progress=False)
    np.testing.assert_allclose(got, plain(m, one_hot(seqs)), atol=1e-5)


# --- from the mutation run (docs/mutation.md): cache, keys, shifts, errors, batching ---


def test_sequence_cache_is_lru_and_counts_lookups():
    c = SequenceCache(max_items=2)
    c.put("a", np.array([1.0]))
    c.put("b", np.array([2.0]))
    assert len(c) == 2 and "a" in c and "b" in c and "z" not in c
    assert c.get("a")[0] == 1.0  # a is now the most recently used
    c.put("c", np.array([3.0]))  # evicts b, the least recently used
    assert "b" not in c and "a" in c and "c" in c and len(c) == 2
    assert c.get("b") is None and c.get("zz") is None
    assert (c.hits, c.misses) == (1, 2)
    c.put("a", np.array([4.0]))  # re-putting refreshes a: the next put evicts c
    c.put("d", np.array([5.0]))
    assert sorted(c._d) == ["a", "d"] and c.get("a")[0] == 4.0
    c.clear()
    assert len(c) == 0 and (c.hits, c.misses) == (0, 0) and "a" not in c
    unbounded = SequenceCache()
    for i in range(50):
        unbounded.put(i, np.array([i]))
    assert len(unbounded) == 50 and unbounded.max_items is None


def test_callable_key_tells_reduces_apart_by_code_constants_names_and_closure():
    from regbench.predict.engine import _callable_key

    def make(k):
        return lambda o: o[:, k]

    assert _callable_key(None) is None
    assert _callable_key(make(1)) == _callable_key(make(1))  # fresh lambda, same computation
    assert _callable_key(make(1)) != _callable_key(make(2))  # closure value differs
    assert _callable_key(lambda o: o[:, 1]) != _callable_key(lambda o: o[:, 2])  # constants differ
    assert _callable_key(lambda o: o.mean(1)) != _callable_key(lambda o: o.sum(1))  # names differ
    assert _callable_key(lambda o: o) == _callable_key(lambda o: o)

    class Call:
        def __call__(self, o):
            return o

        def __repr__(self):
            return "Call()"

    assert _callable_key(Call()) == "Call()"


def test_seq_hash_separates_strings_arrays_and_shapes():
    from regbench.predict.engine import _seq_hash

    a = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0, 1]]
    assert _seq_hash(a) == _seq_hash(a.astype(np.float64)) == _seq_hash(a.copy())
    assert _seq_hash(a) != _seq_hash(a.reshape(3, 8))  # same bytes, other shape
    assert _seq_hash(a) != _seq_hash(a[::-1])
    assert _seq_hash("ACGTAC") != _seq_hash("ACGTAA") and _seq_hash("ACGTAC") == _seq_hash("ACGTAC")
    assert _seq_hash("ACGTAC")[:1] == b"s" and _seq_hash(a)[:1] == b"a"
    # 16-byte blake2b digests after the kind byte; arrays add their shape
    assert len(_seq_hash("ACGTAC")) == 17 and _seq_hash(a).endswith(b"(6, 4)") and len(_seq_hash(a)) == 17 + 6


@pytest.mark.parametrize("s", [-3, -1, 0, 1, 2, 5])
def test_shift_onehot_against_numpy(s):
    from regbench.predict.engine import shift_onehot

    x = make_x(3, 16, seed=s + 10)
    got = shift_onehot(torch.from_numpy(x), s).numpy()
    np.testing.assert_array_equal(got, shift_np(x, s))
    if s:  # N padding: the s shifted-in positions are all zero
        pad = got[:, :s] if s > 0 else got[:, s:]
        assert pad.shape[1] == abs(s) and not pad.any() and got.sum() == 3 * (16 - abs(s))


class Dict(Profile):
    def forward(self, x):
        return {"human": super().forward(x)}


class Double(Scalar):
    """float64 outputs: the engine averages and returns float32."""

    def forward(self, x):
        return super().forward(x).double()


def test_ensemble_forward_errors_dtype_and_equal_weights():
    from regbench.predict.engine import ensemble_forward

    x = torch.from_numpy(make_x(4))
    with pytest.raises(TypeError, match=r"^model returned a dict; wrap multi-head models \(e\.g\. EnformerHead\) to return a tensor$"):
        ensemble_forward(Dict().eval(), x)
    with torch.no_grad():
        one = ensemble_forward(Double().eval(), x)
        four = ensemble_forward(Double().eval(), x, rc=True, shifts=(-1, 2))
    assert one.dtype == torch.float32 and four.dtype == torch.float32
    m = Scalar().eval()
    want = plain(m, x.numpy(), rc=True, shifts=(-1, 2))
    np.testing.assert_allclose(four.numpy(), want, atol=1e-6)
    with torch.no_grad():
        np.testing.assert_allclose(one.numpy(), m(x).numpy(), atol=1e-7)


def test_predict_input_errors_and_empty_inputs():
    m = Profile().eval()
    with pytest.raises(ValueError, match=r"^shifts must contain at least one offset \(0 = no shift\)$"):
        predict(m, make_x(2), shifts=(), precision="fp32", progress=False)
    with pytest.raises(ValueError, match="^predict: no input batches$"):
        predict(m, iter([]), precision="fp32", progress=False)
    with pytest.raises(ValueError, match=r"^predict: expected one-hot inputs \(N, L, 4\), got shape \(64, 4\)$"):
        predict(m, make_x(1)[0], precision="fp32", progress=False)
    with pytest.raises(ValueError, match="precision must be one of"):
        predict(m, make_x(2), precision="fp64", progress=False)
    for empty in (np.zeros((0, 64, 4), np.float32), []):
        out = predict(m, empty, precision="fp32", progress=False)
        assert out.shape == (0,) and out.dtype == np.float32
    assert m.calls == 0


def test_predict_accepts_tensors_and_non_float32_arrays():
    m = Profile().eval()
    x = make_x(5)
    want = plain(m, x)
    for inp in (torch.from_numpy(x), x.astype(np.float64), x.astype(np.int64)):
        got = predict(m, inp, batch_size=2, precision="fp32", progress=False)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_predict_non_contiguous_unique_items_keep_their_rows():
    # [a, b, a, c, b, d]: the unique items sit at rows 0, 1, 3, 5 (not one slice)
    m = Profile().eval()
    x = make_x(4, seed=7)
    inp = x[[0, 1, 0, 2, 1, 3]]
    for bs in (1, 3, 4, 64):
        m.rows = 0
        got = predict(m, inp, batch_size=bs, precision="fp32", progress=False)
        assert m.rows == 4
        np.testing.assert_allclose(got, plain(m, inp), atol=1e-5)
    # a cache holding rows 0 and 2 leaves rows 1 and 3 to compute: not adjacent either
    cache = SequenceCache()
    predict(m, x[[0, 2]], cache=cache, precision="fp32", progress=False)
    m.rows = 0
    got = predict(m, x, batch_size=64, cache=cache, precision="fp32", progress=False)
    assert m.rows == 2 and len(cache) == 4 and cache.hits == 2
    np.testing.assert_allclose(got, plain(m, x), atol=1e-5)


def test_predict_default_batch_is_32_and_batches_split():
    m = Scalar().eval()
    x = make_x(33, seed=3)
    predict(m, x, precision="fp32", progress=False)
    assert m.calls == 2  # 32 + 1
    m.calls = 0
    predict(m, x, batch_size=11, precision="fp32", progress=False)
    assert m.calls == 3


def test_cache_keys_hold_every_setting():
    m = Scalar().eval()
    x = make_x(4, seed=5)
    cache = SequenceCache()
    base = predict(m, x, cache=cache, precision="fp32", progress=False)
    for kw, passes in ((dict(rc=True), 2), (dict(shifts=(1,)), 1), (dict(precision="bf16"), 1),
                       (dict(reduce=lambda o: o[:, 0]), 1)):
        m.calls = 0
        kw = {"precision": "fp32", **kw}
        out = predict(m, x, cache=cache, progress=False, **kw)
        assert m.calls == passes, kw  # one batch: not served from the fp32 / no-rc / no-shift entries
        if "reduce" in kw:
            np.testing.assert_allclose(out, base[:, 0], atol=1e-6)
    other = Scalar().eval()
    with torch.no_grad():
        other.conv.weight.mul_(2.0)
    predict(other, x, cache=cache, precision="fp32", progress=False)
    assert other.calls == 1  # another model: its own entries
    m.calls = 0
    np.testing.assert_array_equal(predict(m, x, cache=cache, precision="fp32", progress=False), base)
    assert m.calls == 0


def test_predict_logs_its_plan(caplog):
    import logging

    m = Profile().eval()
    x = make_x(6)
    log = logging.getLogger("test_engine_plan")
    with caplog.at_level(logging.INFO, logger="test_engine_plan"):
        predict(m, np.concatenate([x, x[:2]]), batch_size=4, precision="fp32", progress=False, log=log)
    assert [r.getMessage() for r in caplog.records if r.name == "test_engine_plan"] == [
        "predict: 8 inputs, 6 unique to compute, batch 4 on cpu (fp32)"]


def test_progress_bar_only_when_more_items_than_a_batch(capsys):
    m = Profile().eval()
    predict(m, make_x(10), batch_size=4, precision="fp32")
    err = capsys.readouterr().err
    assert "predict:   0%|" in err and "0/10" in err
    assert "10/10" not in err and err.endswith("\r")  # leave=False: the bar is cleared, not left at 100%
    predict(m, make_x(4), batch_size=4, precision="fp32")  # 4 items, batch 4: no bar
    predict(m, make_x(10), batch_size=4, precision="fp32", progress=False)
    assert capsys.readouterr().err == ""


class Slow(Profile):
    """Each forward call advances a fake clock (``now[0]``) by ``seconds``."""

    def __init__(self, now, seconds):
        super().__init__()
        self.now, self.seconds = now, seconds

    def forward(self, x):
        self.now[0] += self.seconds
        return super().forward(x)


@pytest.mark.parametrize("seconds", [29.5, 30.0])
def test_progress_bar_redraws_at_most_every_30_s_in_ascii(capsys, monkeypatch, seconds):
    # a bar fit for log files: redrawn only once 30 s have passed since the last draw (tqdm's
    # mininterval), in ASCII; tqdm's clock reads a time that only the model's batches advance
    import tqdm.std

    now = [1000.0]
    monkeypatch.setattr(tqdm.std, "time", lambda: now[0])
    predict(Slow(now, seconds).eval(), make_x(10), batch_size=4, precision="fp32")  # batches of 4, 4, 2
    err = capsys.readouterr().err
    assert "predict:   0%|" in err and err.isascii()
    if seconds < 30:
        assert "4/10" not in err and "predict:  80%|########" in err  # drawn at 59 s, not at 29.5 s
    else:
        assert "predict:  40%|####" in err and "4/10" in err  # 4 of 10 bar cells drawn as '#'


class Tight(Profile):
    """Runs out of memory on batches larger than 2."""

    def forward(self, x):
        if len(x) > 2:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return super().forward(x)


def test_out_of_memory_backoff_is_remembered_per_model_shape_and_ensemble():
    from regbench.predict.device import _BATCH_CAPS

    m = Tight().eval()
    x = make_x(7, seed=9)
    got = predict(m, x, batch_size=8, precision="fp32", progress=False)
    np.testing.assert_allclose(got, plain(Profile().eval(), x), atol=1e-5)
    assert _BATCH_CAPS[(id(m), (64, 4), False, (0,))] == 2
    m.calls = 0
    predict(m, x, batch_size=8, precision="fp32", progress=False)
    assert m.calls == 4  # 2 + 2 + 2 + 1 at once: the remembered cap
    predict(m, x, batch_size=8, rc=True, shifts=(1,), precision="fp32", progress=False)
    assert _BATCH_CAPS[(id(m), (64, 4), True, (1,))] == 2
    for k in [k for k in _BATCH_CAPS if k[0] == id(m)]:
        del _BATCH_CAPS[k]


def test_out_of_memory_backoff_is_logged_on_the_callers_logger(caplog):
    import logging

    from regbench.predict.device import _BATCH_CAPS

    m = Tight().eval()
    x = make_x(5, seed=3)
    log = logging.getLogger("test_engine_oom")
    with caplog.at_level(logging.INFO):
        got = predict(m, x, batch_size=4, precision="fp32", progress=False, log=log)
    np.testing.assert_allclose(got, plain(Profile().eval(), x), atol=1e-5)
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "test_engine_oom"] == [
        ("INFO", "predict: 5 inputs, 5 unique to compute, batch 4 on cpu (fp32)"),
        ("WARNING", "predict: out of memory at batch 4 (CUDA out of memory (simulated)); retrying with batch 2")]
    for k in [k for k in _BATCH_CAPS if k[0] == id(m)]:
        del _BATCH_CAPS[k]


def test_one_unique_array_input():
    # a single sequence, and three copies of one sequence (one item to compute)
    m = Profile().eval()
    x = make_x(2, seed=5)
    want = plain(m, x[:1])
    np.testing.assert_allclose(predict(m, x[:1], precision="fp32"), want, atol=1e-6)
    np.testing.assert_allclose(predict(m, np.repeat(x[:1], 3, axis=0), precision="fp32"),
                               np.repeat(want, 3, axis=0), atol=1e-6)
    assert m.rows == 3  # one row for plain, then one per predict call


def test_to_batch_and_single_input_forms():
    from regbench.predict.engine import _is_single_input, _to_batch

    seqs = ["ACGTN", "TTGCA"]
    b = _to_batch(seqs, "cpu")
    assert b.dtype == torch.float32 and b.device.type == "cpu"
    np.testing.assert_array_equal(b.numpy(), one_hot(seqs))
    t = _to_batch(torch.ones((2, 5, 4), dtype=torch.float64), torch.device("cpu"))
    assert t.dtype == torch.float32 and t.shape == (2, 5, 4)
    a = _to_batch(np.eye(4, dtype=np.int64)[None], "cpu")
    assert a.dtype == torch.float32 and a.numpy().tolist() == np.eye(4)[None].tolist()
    assert _to_batch([], "cpu").shape == (0,)  # an empty list is not read as strings
    for single in (np.zeros((1, 4, 4)), torch.zeros((1, 4, 4)), [], (), seqs, tuple(seqs)):
        assert _is_single_input(single)
    for batches in ([np.zeros((1, 4, 4))], (np.zeros((1, 4, 4)),), iter([seqs]), [seqs]):
        assert not _is_single_input(batches)
    m = Profile().eval()
    s64 = ["ACGT" * 16, "TTTT" * 16, "ACGT" * 16]
    np.testing.assert_array_equal(predict(m, tuple(s64), precision="fp32", progress=False),
                                  predict(m, s64, precision="fp32", progress=False))
    np.testing.assert_allclose(predict(m, [s64[:2], s64[2:]], precision="fp32", progress=False),
                               predict(m, s64, precision="fp32", progress=False), atol=1e-6)


def test_to_batch_moves_every_form_to_the_device():
    # the "meta" device stands in for an accelerator on a CPU-only machine: a batch left on the
    # CPU would show as device cpu
    from regbench.predict.engine import _to_batch

    meta = torch.device("meta")
    for items in (["ACGT", "TTTT"], np.zeros((2, 4, 4), np.float32), torch.zeros((2, 4, 4), dtype=torch.float64)):
        b = _to_batch(items, meta)
        assert b.device.type == "meta" and b.dtype == torch.float32 and tuple(b.shape) == (2, 4, 4)


def test_iterable_of_batches_forwards_every_setting(caplog, capsys):
    import logging

    m = Profile().eval()
    x = make_x(8, seed=4)
    kw = dict(reduce=lambda o: o[:, 2:4, 1].mean(1), rc=True, shifts=(-1, 2), precision="fp32")
    want = predict(m, x, progress=False, **kw)
    np.testing.assert_allclose(want, plain(m, x, rc=True, shifts=(-1, 2))[:, 2:4, 1].mean(1), atol=1e-6)
    capsys.readouterr()
    cache = SequenceCache()
    log = logging.getLogger("test_engine_batches")
    with caplog.at_level(logging.INFO, logger="test_engine_batches"):
        got = predict(m, [x[:5], x[5:]], batch_size=2, cache=cache, log=log, **kw)  # progress left at True
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert len(cache) == 8
    assert "predict: 5 inputs, 5 unique to compute, batch 2 on cpu (fp32)" in caplog.text
    assert capsys.readouterr().err == ""  # the batches of an iterable show no bars of their own


class Where(Profile):
    """Records the device of every batch it sees."""

    def forward(self, x):
        self.seen = getattr(self, "seen", set()) | {x.device.type}
        return super().forward(x)


def test_an_explicit_device_is_used_for_arrays_and_batches():
    # the meta device stands in for an accelerator: the model runs there, and copying its
    # (data-less) output back fails, which a computation left on the CPU would not
    for inputs in (make_x(3), [make_x(3)]):
        m = Where().eval()
        with pytest.raises((NotImplementedError, RuntimeError)):
            predict(m, inputs, device="meta", precision="fp32", progress=False)
        assert m.seen == {"meta"}
        assert next(m.parameters()).device.type == "cpu"  # the model is left where it was


def test_without_a_device_a_model_on_an_accelerator_runs_there():
    # resolve_device(None, model): the model's device when it is not the CPU (meta as the stand-in)
    m = Where().eval().to("meta")
    with pytest.raises((NotImplementedError, RuntimeError)):
        predict(m, make_x(3), precision="fp32", progress=False)
    assert m.seen == {"meta"}
