"""Artefacts shared by several studies (results/shared/): the demo Enformer, Enformer weights."""

# Demo Enformer hyper-parameters (regbench.data.demo.enformer.DemoEnformerParams); a
# config["demo_enformer"] section may replace them later.
DEMO_ENFORMER_PARAMS = {
    "window": 4096,
    "eval_window": 8192,
    "dim": 48,
    "depth": 2,
    "heads": 2,
    "attn_dim_key": 16,
    "dim_divisible_by": 8,
    "batch_size": 8,
    "max_epochs": 8,
    "steps_per_epoch": 30,
    "lr": 0.005,
    "select": "last",
}


rule demo_enformer_targets:
    output:
        human="resources/demo/enformer/targets_human.txt",
        mouse="resources/demo/enformer/targets_mouse.txt",
    log:
        log_path("shared", "demo_enformer_targets"),
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/demo_enformer_targets.py"


rule train_demo_enformer:
    input:
        human_genome="resources/demo/hg38/genome.fa",
        human_fai="resources/demo/hg38/genome.fa.fai",
        human_dnase="resources/demo/tracks/human_dnase.bigWig",
        human_cage="resources/demo/tracks/human_cage_brain.bigWig",
        genes="resources/demo/hg38/genes.tsv",
        mouse_genome="resources/demo/mm10/genome.fa",
        mouse_fai="resources/demo/mm10/genome.fa.fai",
        mouse_escj7="resources/demo/mm10/dnase_escj7.bigWig",
        mouse_e14="resources/demo/mm10/dnase_e14.bigWig",
        mouse_train="resources/demo/mm10/train_regions.bed",
        mouse_heldout="resources/demo/mm10/heldout_regions.bed",
        mouse_dhs="resources/demo/mm10/dhs_sites.tsv",
        targets_human="resources/demo/enformer/targets_human.txt",
        targets_mouse="resources/demo/enformer/targets_mouse.txt",
    output:
        model=directory("results/shared/demo_enformer/model"),
        history="results/shared/demo_enformer/history.tsv",
        metrics="results/shared/demo_enformer/heldout_metrics.tsv",
    log:
        log_path("shared", "train_demo_enformer"),
    benchmark:
        bench_path("shared", "train_demo_enformer")
    conda:
        "../envs/torch.yaml"
    threads: 2
    resources:
        gpu=1,
        cpus_per_gpu=2,
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(30),
    params:
        hparams=DEMO_ENFORMER_PARAMS,
        seed=config["seed"],
        checkpoints="results/shared/demo_enformer_checkpoints",
    script:
        "../scripts/train_demo_enformer.py"
