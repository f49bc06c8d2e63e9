"""synthetic_loci study: rules only; input functions and target lists live in rules/common/synthetic_loci.smk.

DAG: dataset (payload replacement, folds, window offsets) -> baseline predictions (original
Enformer, mouse DNase tracks) and fine-tuning ({head} x {split}) -> fine-tuned predictions ->
metrics -> figures; retained-performance check per head; predicted tracks as bedGraph.
"""


rule synthetic_loci_user_file:
    output:
        "{path}",
    log:
        "logs/synthetic_loci/user_file/{path}.log",
    benchmark:
        "benchmarks/rules/synthetic_loci/user_file/{path}.tsv"
    wildcard_constraints:
        path=synthetic_loci_user_regex(),
    localrule: True
    conda:
        "../envs/regbench.yaml"
    params:
        msg=synthetic_loci_user_message,
    shell:
        "echo 'missing user-provided file {wildcards.path}: {params.msg}' | tee {log} >&2; exit 1"


rule synthetic_loci_dataset:
    input:
        genome=sl_cfg()["inputs"]["genome"],
        table_s4=sl_cfg()["inputs"]["table_s4"],
        payload_fasta=sl_cfg()["inputs"]["payload_fasta"],
        dhs_bed=sl_cfg()["inputs"]["dhs_bed"],
    output:
        payloads=f"{SL_DIR}/dataset/payloads.tsv",
        sequences=f"{SL_DIR}/dataset/sequences.tsv",
        dhs=f"{SL_DIR}/dataset/dhs.tsv",
        windows=f"{SL_DIR}/dataset/windows.tsv",
    log:
        log_path("synthetic_loci", "dataset"),
    benchmark:
        bench_path("synthetic_loci", "dataset")
    conda:
        "../envs/regbench.yaml"
    params:
        cfg=sl_cfg(),
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_dataset.py"


rule synthetic_loci_predict_baseline:
    input:
        enformer=synthetic_loci_enformer_inputs(),
        targets=config["enformer"]["targets_mouse"],
        payloads=rules.synthetic_loci_dataset.output.payloads,
    output:
        windows=f"{SL_DIR}/predictions/baseline/windows.tsv",
        peaks=f"{SL_DIR}/predictions/baseline/peaks.tsv",
        profiles=f"{SL_DIR}/predictions/baseline/profiles.npz",
    log:
        log_path("synthetic_loci", "predict_baseline"),
    benchmark:
        bench_path("synthetic_loci", "predict_baseline")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(sl_cfg().get("resources", {}).get("predict_mem_mb", 4000)),
        runtime=runtime_scaled(sl_cfg().get("resources", {}).get("predict_runtime", 30)),
    params:
        cfg=sl_cfg(),
        enformer=ENFORMER,
        model_dir=None,
        split="authors",
        head=None,
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_predict.py"


rule synthetic_loci_finetune:
    input:
        enformer=synthetic_loci_enformer_inputs(),
        payloads=rules.synthetic_loci_dataset.output.payloads,
    output:
        model=f"{SL_DIR}/finetune/{{head}}/{{split}}/model.pt",
        history=f"{SL_DIR}/finetune/{{head}}/{{split}}/history.tsv",
    log:
        log_path("synthetic_loci", "finetune_{head}_{split}"),
    benchmark:
        bench_path("synthetic_loci", "finetune_{head}_{split}")
    wildcard_constraints:
        head=synthetic_loci_heads_regex(),
        split=r"authors|fold\d+",
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(sl_cfg().get("resources", {}).get("finetune_mem_mb", 4000)),
        runtime=runtime_scaled(sl_cfg().get("resources", {}).get("finetune_runtime", 30)),
    params:
        cfg=sl_cfg(),
        enformer=ENFORMER,
        head=synthetic_loci_head,
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_finetune.py"


rule synthetic_loci_predict_finetuned:
    input:
        enformer=synthetic_loci_enformer_inputs(),
        targets=config["enformer"]["targets_mouse"],
        payloads=rules.synthetic_loci_dataset.output.payloads,
        model=rules.synthetic_loci_finetune.output.model,
    output:
        windows=f"{SL_DIR}/predictions/{{head}}/{{split}}/windows.tsv",
        peaks=f"{SL_DIR}/predictions/{{head}}/{{split}}/peaks.tsv",
        profiles=f"{SL_DIR}/predictions/{{head}}/{{split}}/profiles.npz",
    log:
        log_path("synthetic_loci", "predict_{head}_{split}"),
    benchmark:
        bench_path("synthetic_loci", "predict_{head}_{split}")
    wildcard_constraints:
        head=synthetic_loci_heads_regex(),
        split=r"authors|fold\d+",
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(sl_cfg().get("resources", {}).get("predict_mem_mb", 4000)),
        runtime=runtime_scaled(sl_cfg().get("resources", {}).get("predict_runtime", 30)),
    params:
        cfg=sl_cfg(),
        enformer=ENFORMER,
        head=synthetic_loci_head,
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_predict.py"


rule synthetic_loci_retained:
    input:
        enformer=synthetic_loci_enformer_inputs(),
        targets=config["enformer"]["targets_mouse"],
        genome=sl_cfg()["inputs"]["genome"],
        regions=sl_cfg()["inputs"]["retained_regions"],
        model=f"{SL_DIR}/finetune/{{head}}/authors/model.pt",
    output:
        f"{SL_DIR}/retained/{{head}}.tsv",
    log:
        log_path("synthetic_loci", "retained_{head}"),
    benchmark:
        bench_path("synthetic_loci", "retained_{head}")
    wildcard_constraints:
        head=synthetic_loci_heads_regex(),
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(sl_cfg().get("resources", {}).get("predict_mem_mb", 4000)),
        runtime=runtime_scaled(sl_cfg().get("resources", {}).get("predict_runtime", 30)),
    params:
        cfg=sl_cfg(),
        enformer=ENFORMER,
        head=synthetic_loci_head,
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_retained.py"


rule synthetic_loci_metrics:
    input:
        payloads=rules.synthetic_loci_dataset.output.payloads,
        windows=synthetic_loci_prediction_tables,
        peaks=synthetic_loci_peak_tables,
        retained=synthetic_loci_retained_tables,
        accessibility=synthetic_loci_accessibility_input,
    output:
        payload_predictions=f"{SL_DIR}/metrics/payload_predictions.tsv",
        activity=f"{SL_DIR}/metrics/activity_correlation.tsv",
        accessibility=f"{SL_DIR}/metrics/accessibility_correlation.tsv",
        dhs=f"{SL_DIR}/metrics/dhs_predictions.tsv",
        folds=f"{SL_DIR}/metrics/error_per_fold.tsv",
        retained=f"{SL_DIR}/metrics/retained_summary.tsv",
    log:
        log_path("synthetic_loci", "metrics"),
    benchmark:
        bench_path("synthetic_loci", "metrics")
    conda:
        "../envs/regbench.yaml"
    params:
        cfg=sl_cfg(),
        models=synthetic_loci_models(),
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_metrics.py"


rule synthetic_loci_tracks:
    input:
        payloads=rules.synthetic_loci_dataset.output.payloads,
        baseline=f"{SL_DIR}/predictions/baseline/profiles.npz",
        finetuned=f"{SL_DIR}/predictions/{next(iter(sl_cfg()['heads']))}/authors/profiles.npz",
    output:
        baseline=directory(f"{SL_DIR}/tracks/baseline"),
        finetuned=directory(f"{SL_DIR}/tracks/finetuned"),
    log:
        log_path("synthetic_loci", "tracks"),
    benchmark:
        bench_path("synthetic_loci", "tracks")
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/synthetic_loci_tracks.py"


rule synthetic_loci_figures:
    input:
        payload_predictions=rules.synthetic_loci_metrics.output.payload_predictions,
        activity=rules.synthetic_loci_metrics.output.activity,
        accessibility=rules.synthetic_loci_metrics.output.accessibility,
        dhs=rules.synthetic_loci_metrics.output.dhs,
        folds=rules.synthetic_loci_metrics.output.folds,
        retained=synthetic_loci_retained_tables,
    output:
        **{
            f"{p}_{ext}": report(
                f"results/figures/synthetic_loci/{p}.{ext}",
                caption=caption("synthetic_loci", p),
                category="synthetic_loci",
                labels={"figure": SL_PANEL_FIGURE[p], "panel": f"{p} ({ext})"},
            )
            for p in SL_PANELS
            for ext in ("pdf", "png")
        },
    log:
        log_path("synthetic_loci", "figures"),
    benchmark:
        bench_path("synthetic_loci", "figures")
    conda:
        "../envs/regbench.yaml"
    params:
        cfg=sl_cfg(),
    script:
        "../scripts/synthetic_loci_figures.py"


rule all_synthetic_loci:
    input:
        study_targets("synthetic_loci"),


rule synthetic_loci_mm10:
    input:
        "resources/downloads/genomes/mm10.fa.gz",
    output:
        fa="resources/synthetic_loci/mm10.fa",
        fai="resources/synthetic_loci/mm10.fa.fai",
    log:
        log_path("synthetic_loci", "mm10"),
    benchmark:
        bench_path("synthetic_loci", "mm10")
    conda:
        "../envs/regbench.yaml"
    shell:
        "(gzip -dc {input} > {output.fa}.tmp && mv {output.fa}.tmp {output.fa} && samtools faidx {output.fa}) 2> {log}"
