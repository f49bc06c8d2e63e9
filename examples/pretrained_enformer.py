"""A pretrained user model for the regbench leaderboard (issue 10): an Enformer with all its
output heads side by side, read out (no training) on the personal-genome, synthetic-loci and
accessibility benchmarks.

Registered as ``enformer_tracks``: ``(N, L, 4)`` one-hot (L a multiple of 128) ->
``(N, L / 128, T)`` with the tracks of every head concatenated in head order (the demo Enformer:
human DNase liver-like, CAGE brain; mouse DNase ES-CJ7, ES-E14). The weights come from a
``save_pretrained`` directory (``source``), loaded with :func:`regbench.predict.enformer.load_enformer`.

The demo card (config/config.yaml ``models: demo_enformer``)::

    demo_enformer:
      file: examples/pretrained_enformer.py
      arch: enformer_tracks
      hparams: {source: results/shared/demo_enformer/model}
      pretrained: true
      inputs: [results/shared/demo_enformer/model]       # built / tracked by Snakemake
      output: {bin_size: 128, tracks: ["DNASE:demo liver-like", "CAGE:brain, adult,", "DNASE:129 ES-CJ7", "DNASE:129 ES-E14"]}
      benchmarks:
        accessibility: {mode: readout, tracks: {HepG2: "DNASE:demo liver-like", ...}}
        personal: {track: "CAGE:brain, adult,"}
        synthetic_loci: {track: "DNASE:129 ES-CJ7"}
"""

import torch
from torch import nn

from regbench.models.registry import register


class EnformerTracks(nn.Module):
    def __init__(self, enformer: nn.Module):
        super().__init__()
        self.enformer = enformer
        self.heads = list(enformer.config.output_heads)
        self.n_tracks = int(sum(enformer.config.output_heads.values()))
        self.output_bin_size = 128
        self.input_length = None

    def forward(self, x):  # (N, L, 4) -> (N, L / 128, T)
        out = self.enformer(x)  # every head from one trunk pass: {head: (N, bins, tracks)}
        return torch.cat([out[h] for h in self.heads], dim=-1)


@register("enformer_tracks")
def enformer_tracks(source="results/shared/demo_enformer/model", use_tf_gamma=None, target_length=-1):
    from regbench.predict.enformer import load_enformer

    return EnformerTracks(load_enformer(source, use_tf_gamma=use_tf_gamma, target_length=target_length)).eval()
