"""Prix Fixe framework (Rafi et al. 2024): a model is FirstLayersBlock -> CoreBlock ->
FinalLayersBlock, fed by a team DataProcessor (:mod:`.preprocess`) and trained by the one
trainer (:func:`regbench.train.trainer.fit`) with team-specific loss / optimiser / schedule
(:mod:`.recipes`).

Shapes: a :class:`PrixFixeNet` takes channels-last ``(N, L, C)`` (the house layout) and moves to
``(N, C, L)`` for the blocks. Every block takes and returns ``(N, C, L)`` except the final
block, which returns

* in ``eval()`` mode the expression ``(N, n_outputs)`` (registry contract: scalar outputs);
* in ``train()`` mode its training output (:meth:`FinalLayersBlock.train_output`), e.g. the 18
  bin logits of the Autosome block, which the recipe's loss understands.

Registered models (``regbench.models.registry``): ``dream_prixfixe`` (any first x core x final
combination), ``dream_cnn``, ``dream_rnn``, ``dream_attn``.
"""

from __future__ import annotations

import torch
from torch import nn

from regbench.models import registry


class FirstLayersBlock(nn.Module):
    """(N, in_channels, L) -> (N, out_channels, L)."""

    def __init__(self, in_channels: int, out_channels: int, seqsize: int):
        super().__init__()
        self.in_channels, self.out_channels, self.seqsize = in_channels, out_channels, seqsize


class CoreBlock(nn.Module):
    """(N, in_channels, L) -> (N, out_channels, L)."""

    def __init__(self, in_channels: int, out_channels: int, seqsize: int):
        super().__init__()
        self.in_channels, self.out_channels, self.seqsize = in_channels, out_channels, seqsize


class FinalLayersBlock(nn.Module):
    """(N, in_channels, L) -> expression (N, n_outputs) in eval mode, training output in train mode."""

    #: what the training output is: "expression" (N, n_outputs), "bins" (N, 18 logits), ...
    train_kind = "expression"

    def __init__(self, in_channels: int, seqsize: int, n_outputs: int = 1):
        super().__init__()
        self.in_channels, self.seqsize, self.n_outputs = in_channels, seqsize, n_outputs

    def train_output(self, x: torch.Tensor) -> torch.Tensor:
        return self.expression(x)

    def expression(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.train_output(x) if self.training else self.expression(x)


class PrixFixeNet(nn.Module):
    """first -> core -> final on channels-last input ``(N, L, C)``."""

    def __init__(self, first: FirstLayersBlock, core: CoreBlock, final: FinalLayersBlock, input_length: int):
        super().__init__()
        self.first, self.core, self.final = first, core, final
        self.input_length = input_length
        self.output_bin_size = None
        self.n_tracks = final.n_outputs
        self.train_kind = final.train_kind

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.transpose(1, 2)
        return self.final(self.core(self.first(x)))


def initialize_weights(module: nn.Module) -> None:
    """Autosome's init (``prixfixe/autosome/utils.initialize_weights``): Conv1d N(0, sqrt(2 / (k
    out))) with zero bias, BatchNorm weight 1 / bias 0, Linear N(0, 0.001) with zero bias. Uses the
    global torch RNG (seeded by the caller)."""
    import math

    for m in module.modules():
        if isinstance(m, nn.Conv1d):
            m.weight.data.normal_(0, math.sqrt(2 / (m.kernel_size[0] * m.out_channels)))
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm1d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            m.weight.data.normal_(0, 0.001)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def _blocks():
    from regbench.studies.dream import blocks_autosome as a
    from regbench.studies.dream import blocks_bhi as b
    from regbench.studies.dream import blocks_unlockdna as u

    first = {"autosome": a.AutosomeFirstLayersBlock, "bhi": b.BHIFirstLayersBlock, "unlockdna": u.UnlockDNAFirstLayersBlock}
    core = {"autosome": a.AutosomeCoreBlock, "bhi": b.BHICoreBlock, "unlockdna": u.UnlockDNACoreBlock}
    final = {
        "autosome": a.AutosomeFinalLayersBlock,
        "bhi": b.BHIFinalLayersBlock,
        "unlockdna": u.UnlockDNAFinalLayersBlock,
        "regression": a.RegressionFinalLayersBlock,
    }
    return first, core, final


TEAMS = ("autosome", "bhi", "unlockdna")

#: Block widths per team, from the three DREAM-optimised Prix Fixe models (DREAMNets notebook):
#: first-layers output Autosome 256 (DREAM-Attn), BHI 320 (DREAM-CNN/-RNN); core output Autosome 64
#: (DREAM-CNN), BHI 320 (DREAM-RNN), Unlock_DNA = its input (DREAM-Attn: the core adds its
#: positional embedding to the input). The Unlock_DNA first block appears in none of the three: its
#: width is the team's embedding_dim (512). [INFERRED: the grid cells' widths follow their blocks;
#: the paper text giving the grid's widths was not available, specs/dream.md §3.2.]
TEAM_FIRST_CHANNELS = {"autosome": 256, "bhi": 320, "unlockdna": 512}
TEAM_CORE_CHANNELS = {"autosome": 64, "bhi": 320, "unlockdna": "same"}


def block_widths(first: str, core: str, first_channels=None, core_channels=None) -> tuple[int, int]:
    """(first-block output, core output) channels of one grid cell.

    ``first_channels`` / ``core_channels``: an int (every cell), a mapping team -> int (or
    "same" for a core whose output equals its input), or None for the per-team defaults
    (:data:`TEAM_FIRST_CHANNELS`, :data:`TEAM_CORE_CHANNELS`)."""
    fc = first_channels if first_channels is not None else TEAM_FIRST_CHANNELS
    cc = core_channels if core_channels is not None else TEAM_CORE_CHANNELS
    f = int(fc[first] if isinstance(fc, dict) else fc)
    c = cc[core] if isinstance(cc, dict) else cc
    c = f if c == "same" else int(c)
    if core == "unlockdna" and c != f:
        raise ValueError(f"Prix Fixe cell {first}-{core}: the Unlock_DNA core needs core_channels == first_channels ({c} != {f})")
    return f, c


@registry.register("dream_prixfixe")
def build_prixfixe(
    first: str = "autosome",
    core: str = "autosome",
    final: str = "autosome",
    in_channels: int = 6,
    input_length: int = 150,
    first_channels=None,
    core_channels=None,
    n_outputs: int = 1,
    first_kw: dict | None = None,
    core_kw: dict | None = None,
    final_kw: dict | None = None,
    init: str = "autosome",
) -> PrixFixeNet:
    """Any combination of the three teams' blocks (+ the follow-ups' ``regression`` final block).

    Widths: :func:`block_widths` (per-team defaults, or ints / team mappings).
    ``*_kw`` pass block-specific options (kernel sizes, depths, heads, ...). ``init="autosome"``
    applies :func:`initialize_weights` to the Autosome blocks only, as the Prix Fixe port does
    (its Autosome blocks define ``weights_init``, the BHI / Unlock_DNA blocks keep PyTorch's
    init); ``"all"`` to every block; ``"torch"`` keeps PyTorch's everywhere."""
    if init not in ("autosome", "all", "torch"):
        raise ValueError(f"build_prixfixe: init must be 'autosome', 'all' or 'torch', got {init!r}")
    firsts, cores, finals = _blocks()
    fch, cch = block_widths(first, core, first_channels, core_channels)
    f = firsts[first](in_channels, fch, input_length, **(first_kw or {}))
    c = cores[core](fch, cch, input_length, **(core_kw or {}))
    fl = finals[final](cch, input_length, n_outputs=n_outputs, **(final_kw or {}))
    net = PrixFixeNet(f, c, fl, input_length)
    if init == "all":
        initialize_weights(net)
    elif init == "autosome":
        # the follow-ups' regression head is the Autosome final block of the benchmark notebooks
        for team, block in ((first, f), (core, c), (final, fl)):
            if team in ("autosome", "regression"):
                initialize_weights(block)
    return net


@registry.register("dream_cnn")
def dream_cnn(
    in_channels: int = 6, input_length: int = 150, scale: float = 1.0, n_outputs: int = 1, final: str = "autosome",
    core_kw: dict | None = None,
    init: str = "autosome",
):
    """DREAM-CNN: BHI first (320 ch, k 9/15) -> Autosome core (-> 64) -> Autosome final.
    ``scale`` shrinks every width (demo); ``core_kw`` overrides core options (e.g. fewer stages)."""
    w = max(8, int(320 * scale)) // 2 * 2
    core_out = max(8, int(64 * scale))
    blocks = [max(8, int(b * scale)) for b in (128, 128, 64, 64, 64)]
    return build_prixfixe(
        "bhi", "autosome", final, in_channels, input_length, w, core_out, n_outputs,
        core_kw={"block_sizes": blocks, **(core_kw or {})}, init=init,
    )


@registry.register("dream_rnn")
def dream_rnn(
    in_channels: int = 6, input_length: int = 150, scale: float = 1.0, n_outputs: int = 1, final: str = "autosome",
    core_kw: dict | None = None,
    init: str = "autosome",
):
    """DREAM-RNN: BHI first (320) -> BHI core (BiLSTM 320, convs -> 320) -> Autosome final."""
    w = max(8, int(320 * scale)) // 2 * 2
    return build_prixfixe(
        "bhi", "bhi", final, in_channels, input_length, w, w, n_outputs,
        core_kw={"lstm_hidden": w, **(core_kw or {})}, init=init,
    )


@registry.register("dream_attn")
def dream_attn(
    in_channels: int = 6, input_length: int = 150, scale: float = 1.0, n_outputs: int = 1, final: str = "autosome",
    core_kw: dict | None = None,
    init: str = "autosome",
):
    """DREAM-Attn: Autosome first (256) -> Unlock_DNA core (4 conformer blocks, k15) -> Autosome final."""
    w = max(8, int(256 * scale)) // 8 * 8
    return build_prixfixe(
        "autosome", "unlockdna", final, in_channels, input_length, w, w, n_outputs,
        core_kw={"n_blocks": 4, **(core_kw or {})}, init=init,
    )
