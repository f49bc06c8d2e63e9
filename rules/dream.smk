"""dream study (Rafi et al. 2024, Random Promoter DREAM Challenge): yeast models trained with
their team recipes, predictions keyed by official test id, the official score per subset, the
Prix Fixe first x core x final grid, and the Drosophila / human follow-ups."""


wildcard_constraints:
    model="|".join(re.escape(m) for m in DREAM_MODELS) if DREAM_MODELS else "(?!x)x",
    fmodel="|".join(re.escape(m) for m in DREAM_FMODELS) if DREAM_FMODELS else "(?!x)x",
    archive="drosophila_starrseq_data|human_mpra_data",
    cell="K562|HepG2|WTC11",
    fold=r"\d+",


rule dream_untar:
    input:
        "resources/downloads/dream/{archive}.tar.gz",
    output:
        directory("resources/dream/{archive}"),
    log:
        log_path("dream", "untar_{archive}"),
    benchmark:
        bench_path("dream", "untar_{archive}")
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/dream_untar.py"


rule dream_encode:
    input:
        study_input("dream", "train"),
    output:
        directory(DREAM_STORE),
    log:
        log_path("dream", "encode_train"),
    benchmark:
        bench_path("dream", "encode_train")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=dream_encode_mem_mb,
        runtime=dream_encode_runtime,
    params:
        chunk_rows=dream_cfg("encode_chunk_rows", 200000),
    script:
        "../scripts/dream_encode.py"


rule dream_train:
    input:
        unpack(dream_train_inputs),
    output:
        model="results/dream/models/{model}/model.pt",
        predictions="results/dream/predictions/{model}.tsv",
        holdout="results/dream/holdout/{model}.tsv",
    log:
        log_path("dream", "train_{model}"),
    benchmark:
        bench_path("dream", "train_{model}")
    conda:
        "../envs/torch.yaml"
    threads: 8
    resources:
        gpu=1,
        cpus_per_gpu=8,
        mem_mb=dream_train_mem_mb,
        runtime=dream_train_runtime,
    params:
        spec=dream_spec,
        holdout_fraction=dream_cfg("holdout_fraction", 0.1),
        seed=config["seed"],
        precision=dream_cfg("precision", {}),
    script:
        "../scripts/dream_train.py"


rule dream_score:
    input:
        predictions=expand("results/dream/predictions/{model}.tsv", model=DREAM_MODELS),
        holdouts=expand("results/dream/holdout/{model}.tsv", model=DREAM_MODELS),
        test_labels=study_input("dream", "test_labels") if DREAM_HAS_LABELS else [],
        subsets=dream_subset_files(),
        public_ids=dream_public_files(),
    output:
        scores="results/dream/scores.tsv",
        summary="results/dream/summary.tsv",
        public_scores="results/dream/scores_public.tsv",
    log:
        log_path("dream", "score"),
    benchmark:
        bench_path("dream", "score")
    conda:
        "../envs/regbench.yaml"
    params:
        models=list(DREAM_MODELS),
        discard_public=dream_cfg("discard_public", True),
    script:
        "../scripts/dream_score.py"


rule dream_followup_drosophila:
    input:
        data=dream_drosophila_input,
    output:
        table="results/dream/followups/drosophila/{fmodel}.tsv",
    log:
        log_path("dream", "drosophila_{fmodel}"),
    benchmark:
        bench_path("dream", "drosophila_{fmodel}")
    conda:
        "../envs/torch.yaml"
    threads: 8
    resources:
        gpu=1,
        cpus_per_gpu=8,
        # the table is small (~400k rows x 249 bp): encoded once in memory, ~2 GB at paper scale
        mem_mb=mem_mb_scaled(16000),
        runtime=dream_followup_runtime,
    params:
        kind="drosophila",
        spec=dream_fspec_drosophila,
        seed=config["seed"],
        precision=dream_cfg("precision", {}),
    script:
        "../scripts/dream_followup.py"


rule dream_followup_human:
    input:
        data=dream_human_input,
    output:
        table="results/dream/followups/human/{fmodel}/{cell}_fold{fold}.tsv",
    log:
        log_path("dream", "human_{fmodel}_{cell}_fold{fold}"),
    benchmark:
        bench_path("dream", "human_{fmodel}_{cell}_fold{fold}")
    conda:
        "../envs/torch.yaml"
    threads: 8
    resources:
        gpu=1,
        cpus_per_gpu=8,
        mem_mb=mem_mb_scaled(16000),
        runtime=dream_followup_runtime,
    params:
        kind="human",
        spec=dream_fspec_human,
        n_folds=DREAM_FOLLOWUP.get("human_n_folds", 10),
        seed=config["seed"],
        precision=dream_cfg("precision", {}),
    script:
        "../scripts/dream_followup.py"


rule dream_figure_subsets:
    input:
        scores="results/dream/scores.tsv",
    output:
        data=panel_table("dream", "subset_performance"),
        pdf=figure_path("dream", "subset_performance", "pdf"),
        png=report(
            figure_path("dream", "subset_performance", "png"),
            caption=caption("dream", "subset_performance"),
            category="dream",
            labels={"figure": "Fig. 2", "panel": "subset_performance"},
        ),
    log:
        log_path("dream", "figure_subsets"),
    benchmark:
        bench_path("dream", "figure_subsets")
    conda:
        "../envs/regbench.yaml"
    params:
        kind="subsets",
        models=DREAM_NAMED,
    script:
        "../scripts/dream_figures.py"


rule dream_figure_prixfixe:
    input:
        summary="results/dream/summary.tsv",
    output:
        grid="results/dream/prixfixe_grid.tsv",
        pearson_data=panel_table("dream", "prixfixe_pearson"),
        spearman_data=panel_table("dream", "prixfixe_spearman"),
        pearson_pdf=figure_path("dream", "prixfixe_pearson", "pdf"),
        pearson_png=report(
            figure_path("dream", "prixfixe_pearson", "png"),
            caption=caption("dream", "prixfixe_pearson"),
            category="dream",
            labels={"figure": "Fig. 4", "panel": "prixfixe_pearson"},
        ),
        spearman_pdf=figure_path("dream", "prixfixe_spearman", "pdf"),
        spearman_png=report(
            figure_path("dream", "prixfixe_spearman", "png"),
            caption=caption("dream", "prixfixe_spearman"),
            category="dream",
            labels={"figure": "Fig. 4", "panel": "prixfixe_spearman"},
        ),
    log:
        log_path("dream", "figure_prixfixe"),
    benchmark:
        bench_path("dream", "figure_prixfixe")
    conda:
        "../envs/regbench.yaml"
    params:
        kind="prixfixe",
    script:
        "../scripts/dream_figures.py"


rule dream_figure_drosophila:
    input:
        tables=expand(
            "results/dream/followups/drosophila/{fmodel}.tsv",
            fmodel=dream_followup_models("drosophila"),
        ),
    output:
        table="results/dream/followups/drosophila.tsv",
        data=panel_table("dream", "drosophila"),
        pdf=figure_path("dream", "drosophila", "pdf"),
        png=report(
            figure_path("dream", "drosophila", "png"),
            caption=caption("dream", "drosophila"),
            category="dream",
            labels={"figure": "Fig. 3a", "panel": "drosophila"},
        ),
    log:
        log_path("dream", "figure_drosophila"),
    benchmark:
        bench_path("dream", "figure_drosophila")
    conda:
        "../envs/regbench.yaml"
    params:
        kind="drosophila",
    script:
        "../scripts/dream_figures.py"


rule dream_figure_human:
    input:
        tables=dream_human_tables(),
    output:
        table="results/dream/followups/human.tsv",
        data=panel_table("dream", "human"),
        pdf=figure_path("dream", "human", "pdf"),
        png=report(
            figure_path("dream", "human", "png"),
            caption=caption("dream", "human"),
            category="dream",
            labels={"figure": "Fig. 3b", "panel": "human"},
        ),
    log:
        log_path("dream", "figure_human"),
    benchmark:
        bench_path("dream", "figure_human")
    conda:
        "../envs/regbench.yaml"
    params:
        kind="human",
    script:
        "../scripts/dream_figures.py"


rule dream_figure_scores:
    input:
        summary="results/dream/summary.tsv",
        public_scores="results/dream/scores_public.tsv",
    output:
        data=panel_table("dream", "leaderboard_scores"),
        pdf=figure_path("dream", "leaderboard_scores", "pdf"),
        png=report(
            figure_path("dream", "leaderboard_scores", "png"),
            caption=caption("dream", "leaderboard_scores"),
            category="dream",
            labels={"figure": "Fig. 1", "panel": "leaderboard_scores"},
        ),
    log:
        log_path("dream", "figure_scores"),
    benchmark:
        bench_path("dream", "figure_scores")
    conda:
        "../envs/regbench.yaml"
    params:
        kind="scores",
        models=DREAM_NAMED,
    script:
        "../scripts/dream_figures.py"


rule all_dream:
    input:
        study_targets("dream"),
