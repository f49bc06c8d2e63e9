"""A tiny user model for the regbench leaderboard (issue 10, "Bring your own model").

Registered with the regbench model registry under the name ``tiny_cnn``. Like every registered
model it takes a one-hot batch ``(N, L, 4)`` (A, C, G, T; channels last) and carries the
attributes ``input_length``, ``output_bin_size`` and ``n_tracks``:

* ``bin_size`` an int: profiles ``(N, L // bin_size, n_tracks)`` (softplus, for count losses) -
  what the accessibility benchmark trains;
* ``bin_size=None``: one scalar per track ``(N, n_tracks)`` - what the DREAM benchmark needs.

Add it to config/config.yaml and score it (see README, "Bring your own model")::

    models:
      tiny_cnn:
        file: examples/my_model.py
        arch: tiny_cnn
        hparams: {filters: 16}
        output: {bin_size: 32}
        benchmarks:
          accessibility: {mode: train}
          dream: {mode: train, recipe: bhi, hparams: {bin_size: null}}

    snakemake --cores 2 results/leaderboard/tiny_cnn/scores.tsv
"""

import torch
from torch import nn

from regbench.models.registry import register


class TinyCNN(nn.Module):
    def __init__(self, input_length=2048, n_tracks=1, bin_size=32, filters=16, kernel_size=19):
        super().__init__()
        if bin_size is not None and input_length % bin_size:
            raise ValueError(f"bin_size {bin_size} must divide input_length {input_length}")
        self.input_length = input_length
        self.output_bin_size = bin_size
        self.n_tracks = n_tracks
        self.conv1 = nn.Conv1d(4, filters, kernel_size, padding=kernel_size // 2)
        self.conv2 = nn.Conv1d(filters, filters, 7, padding=3)
        self.head = nn.Conv1d(filters, n_tracks, 1) if bin_size else nn.Linear(filters, n_tracks)

    def forward(self, x):  # (N, L, 4)
        h = torch.relu(self.conv1(x.transpose(1, 2)))
        h = torch.relu(self.conv2(h))  # (N, F, L)
        if self.output_bin_size is None:
            return self.head(h.mean(dim=2))  # (N, T)
        h = nn.functional.avg_pool1d(h, self.output_bin_size)  # (N, F, L / bin)
        return nn.functional.softplus(self.head(h)).transpose(1, 2)  # (N, L / bin, T)


@register("tiny_cnn")
def tiny_cnn(input_length=2048, n_tracks=1, bin_size=32, filters=16, kernel_size=19):
    return TinyCNN(input_length, n_tracks, bin_size, filters, kernel_size)
