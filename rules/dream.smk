"""dream study (Rafi et al. 2024, Random Promoter DREAM Challenge): yeast models trained with
their team recipes, predictions keyed by official test id, the official score per subset, the
Prix Fixe first x core x final grid, and the Drosophila / human follow-ups."""


wildcard_constraints:
    model="|".join(re.escape(m) for m in DREAM_TRAIN_SPECS) if DREAM_TRAIN_SPECS else "(?!x)x",
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


rule dream_model_score:
    input:
        unpack(dream_score_inputs),
    output:
        scores="results/dream/official/{model}/scores.tsv",
        summary="results/dream/official/{model}/summary.tsv",
    log:
        log_path("dream", "model_score_{model}"),
    benchmark:
        bench_path("dream", "model_score_{model}")
    conda:
        "../envs/regbench.yaml"
    params:
        discard_public=dream_cfg("discard_public", True),
    script:
        "../scripts/dream_model_score.py"


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


rule dream_prixfixe_grid:
    input:
        summary="results/dream/summary.tsv",
    output:
        grid="results/dream/prixfixe_grid.tsv",
    log:
        log_path("dream", "prixfixe_grid"),
    benchmark:
        bench_path("dream", "prixfixe_grid")
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/dream_prixfixe_grid.py"


rule dream_followup_table:
    input:
        tables=dream_followup_tables,
    output:
        table=dream_followup_table("{followup}"),
    log:
        log_path("dream", "followup_table_{followup}"),
    benchmark:
        bench_path("dream", "followup_table_{followup}")
    wildcard_constraints:
        followup="drosophila|human",
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/dream_followup_table.py"


rule all_dream:
    input:
        study_targets("dream"),
