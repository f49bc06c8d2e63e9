"""The simple CNN of Extended Data Fig. 2 (Sasse et al. 2023 §1.14).

Registry model ``expression_cnn`` (Conv1d(4, 900, 10) + ReLU -> AvgPool(900) -> 200 -> 1) on the
reference sequence centred on the TSS (40,001 bp in the paper; shorter in the demo), trained with
MSE / Adam (lr 1e-3) through ``train.trainer.fit`` on the genes outside Enformer's test and valid
regions (valid genes for model selection; the split of reference_genes.tsv) to predict mean
observed expression; evaluated on the test-region genes (ED2A) and on personal
haplotypes of ``n_individuals`` random individuals with a gene-specific null restricted to the
SNVs inside the CNN window (ED2B).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.genome.onehot import codes_one_hot
from regbench.workflow import atomic_path


def cnn_window(tss: int, window_bp: int) -> tuple[int, int]:
    """TSS-centred window; for odd lengths (40,001) the TSS is the middle base."""
    start = int(tss) - window_bp // 2
    return start, start + window_bp


class CodesDataset:
    """Torch-style dataset over uint8 sequence codes (n, L) and targets (n, k): item i is
    (one-hot (L, 4) float32, target (k,)), encoded when it is drawn, so a training set holds one
    byte per base instead of 16."""

    def __init__(self, codes: np.ndarray, y: np.ndarray):
        import torch

        self.codes, self.y = codes, np.asarray(y, np.float32)
        self._torch = torch

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i):
        return self._torch.from_numpy(codes_one_hot(self.codes[i])), self._torch.from_numpy(self.y[i])


def train_cnn(genes_tsv: str, genome_fa: str, expression: str, out_model: str,
              out_predictions: str, cfg: dict, log: logging.Logger | None = None) -> pd.DataFrame:
    import torch

    from regbench.genome.fasta import Genome
    from regbench.genome.onehot import encode_codes
    from regbench.models.registry import build
    from regbench.predict.device import study_precision
    from regbench.predict.engine import predict
    from regbench.studies.personal.genes import read_expression
    from regbench.train.trainer import TrainConfig, fit

    c = cfg.get("cnn", {})
    w = int(c.get("window_bp", 40001))
    genes = pd.read_csv(genes_tsv, sep="\t")
    expr = read_expression(expression)
    genes = genes[genes["gene_id"].isin(expr.index)].reset_index(drop=True)
    genes["observed_mean"] = expr.mean(axis=1).reindex(genes["gene_id"]).to_numpy()
    genome = Genome(genome_fa, aliases="chr")
    # uint8 codes (1 byte per base: 13,397 genes x 40,001 bp = 536 MB), one-hot per sample
    codes = np.stack([encode_codes(genome.fetch(g.chrom, *cnn_window(g.tss, w))) for g in genes.itertuples()]) \
        if len(genes) else np.zeros((0, w), np.uint8)
    y = genes["observed_mean"].to_numpy(np.float32)[:, None]
    mu, sd = float(y.mean()), float(y.std() or 1.0)
    yz = (y - mu) / sd
    # the paper trains on the genes outside Enformer's test regions: train + none (valid genes
    # select the model, test genes are ED Fig. 2A)
    tr = ~genes["split"].isin(["test", "valid"]).to_numpy()
    va = (genes["split"] == "valid").to_numpy()
    if va.sum() == 0:
        va = tr
    model = build("expression_cnn", input_length=w)
    res = fit(model, CodesDataset(codes[tr], yz[tr]), CodesDataset(codes[va], yz[va]), torch.nn.functional.mse_loss,
              TrainConfig(max_epochs=int(c.get("max_epochs", 30)), batch_size=16, lr=1e-3,
                          seed=int(c.get("seed", 3)), precision=study_precision(cfg, "training")),
              Path(out_model).parent, log=log)
    pred = predict(res.model, (codes_one_hot(codes[i:i + 32]) for i in range(0, len(codes), 32)),
                   batch_size=32, precision=study_precision(cfg, "inference"),
                   progress=False)[:, 0] * sd + mu if len(codes) else np.zeros(0)
    genes["predicted"] = pred
    bundle = {"state_dict": res.model.state_dict(), "input_length": w, "mu": mu, "sd": sd}
    torch.save(bundle, Path(out_model).parent / "cnn_bundle.pt")
    with atomic_path(out_model, suffix=".pt") as tmp:
        torch.save(bundle, tmp)
    out = genes[["gene_id", "gene_name", "split", "observed_mean", "predicted"]]
    with atomic_path(out_predictions) as tmp:
        out.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return out


def evaluate_cnn(model_pt: str, genes_tsv: str, genome_fa: str, vcf: str, expression: str,
                 out: str, cfg: dict, log: logging.Logger | None = None) -> pd.DataFrame:
    """Per-gene R of CNN personal predictions with observed expression + null + BH."""
    import torch

    from regbench.genome.fasta import Genome
    from regbench.studies.personal.sequences import gene_haplotypes
    from regbench.metrics.correlation import pearson
    from regbench.models.registry import build
    from regbench.predict.device import study_precision
    from regbench.predict.engine import predict
    from regbench.studies.personal.genes import read_expression, vcf_contig
    from regbench.studies.personal.genotypes import gene_dosages
    from regbench.studies.personal.significance import gene_null, gene_significance

    c = cfg.get("cnn", {})
    bundle = torch.load(Path(model_pt).parent / "cnn_bundle.pt", map_location="cpu")
    w = int(bundle["input_length"])
    model = build("expression_cnn", input_length=w)
    model.load_state_dict(bundle["state_dict"])
    genes = pd.read_csv(genes_tsv, sep="\t")
    expr = read_expression(expression)
    from regbench.genome.variants import vcf_samples

    vs = vcf_samples(vcf)
    common = sorted(set(vs) & set(expr.columns))
    rng = np.random.default_rng(int(c.get("seed", 3)))
    n = min(int(c.get("n_individuals", 190)), len(common))
    samples = sorted(rng.choice(common, n, replace=False).tolist())
    genome = Genome(genome_fa, aliases="chr")
    rs = np.random.RandomState(int(cfg.get("null_model", {}).get("seed", 1)))
    rows = []
    for g in genes.sort_values("gene_id").itertuples():
        if g.gene_id not in expr.index:
            continue
        start, end = cnn_window(g.tss, w)
        chrom = vcf_contig(g.chrom, cfg.get("vcf_chrom_prefix", ""))
        h = gene_haplotypes(genome, vcf, chrom, start, end, samples=samples,
                                mode=cfg.get("variants", "snv"),
                                anchor=None if cfg.get("variants", "snv") == "snv" else g.tss)
        s = predict(model, list(h.sequences), batch_size=32, precision=study_precision(cfg, "inference"),
                    progress=False)[:, 0]
        idx = np.asarray(h.index)
        p = (s[idx[:, 0]] + s[idx[:, 1]]) / 2
        obs = expr.loc[g.gene_id, list(h.samples)].to_numpy(np.float64)
        d = gene_dosages(vcf, chrom, max(0, start), end, samples=list(h.samples))
        mean, std, nn = gene_null(d["dosage"].astype(float), obs, rs,
                                  int(cfg.get("null_model", {}).get("n_draws", 50)))
        rows.append(dict(gene=g.gene_id, gene_id=g.gene_id, r=pearson(p, obs), mean_pred=float(p.mean()),
                         n_snv=len(d["pos"]), null_mean=mean, null_std=std, n_null=nn))
    df = gene_significance(pd.DataFrame(rows), se=cfg.get("null_model", {}).get("se_formula", "sqrt_std_over_n"),
                           alpha=float(cfg.get("fdr", 0.05))).drop(columns=["gene"])
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    if log:
        log.info("CNN personal: %d genes, %d significant", len(df), int(df["significant"].sum()))
    return df
