"""synthetic_loci study: rules only; input functions and target lists live in rules/common/synthetic_loci.smk.

DAG: input contract (every user file and download checked, missing user files listed) -> dataset
(payload replacement, folds, window offsets) -> pretrained-readout predictions keyed by model
(predictions/{model}/: the paper's Enformer, mouse DNase tracks = the metrics' baseline, or any
model card qualified for synthetic_loci; per-model payload activity metrics/{model}/) and
fine-tuning ({head} x {split}) -> fine-tuned predictions -> metrics -> figures (+ one data table
per panel); retained-performance check per head; the mESC CAGE head (dataset ->
head on the frozen trunk -> payload RNA and held-out evaluation); predicted tracks as bedGraph.
"""


rule synthetic_loci_inputs:
    input:
        unpack(synthetic_loci_contract_inputs),
    output:
        f"{SL_DIR}/inputs/contract.tsv",
    log:
        log_path("synthetic_loci", "inputs"),
    benchmark:
        bench_path("synthetic_loci", "inputs")
    conda:
        "../envs/regbench.yaml"
    params:
        cfg=sl_cfg(),
    script:
        "../scripts/synthetic_loci_inputs.py"


rule synthetic_loci_dataset:
    input:
        unpack(synthetic_loci_user_inputs),
        contract=rules.synthetic_loci_inputs.output[0],
        genome=sl_cfg()["inputs"]["genome"],
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
    resources:
        mem_mb=sl_mem_mb("dataset"),
        runtime=sl_runtime("dataset"),
    params:
        cfg=sl_cfg(),
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_dataset.py"


rule synthetic_loci_predict_pretrained:
    input:
        unpack(synthetic_loci_model_inputs),
        payloads=rules.synthetic_loci_dataset.output.payloads,
    output:
        windows=f"{SL_DIR}/predictions/{{model}}/windows.tsv",
        peaks=f"{SL_DIR}/predictions/{{model}}/peaks.tsv",
        profiles=f"{SL_DIR}/predictions/{{model}}/profiles.npz",
    log:
        log_path("synthetic_loci", "predict_{model}"),
    benchmark:
        bench_path("synthetic_loci", "predict_{model}")
    wildcard_constraints:
        model=synthetic_loci_model_regex(),
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=sl_mem_mb("predict"),
        runtime=sl_runtime("predict"),
    params:
        cfg=sl_cfg(),
        card=synthetic_loci_card,
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_predict.py"


rule synthetic_loci_model_activity:
    input:
        payloads=rules.synthetic_loci_dataset.output.payloads,
        windows=f"{SL_DIR}/predictions/{{model}}/windows.tsv",
    output:
        predictions=f"{SL_DIR}/metrics/{{model}}/payload_predictions.tsv",
        activity=f"{SL_DIR}/metrics/{{model}}/activity_correlation.tsv",
    log:
        log_path("synthetic_loci", "activity_{model}"),
    benchmark:
        bench_path("synthetic_loci", "activity_{model}")
    wildcard_constraints:
        model=synthetic_loci_model_regex(),
    conda:
        "../envs/regbench.yaml"
    params:
        primary=sl_primary_track(),
    script:
        "../scripts/synthetic_loci_model_activity.py"


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
        mem_mb=sl_mem_mb("finetune"),
        runtime=sl_runtime("finetune"),
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
        mem_mb=sl_mem_mb("predict"),
        runtime=sl_runtime("predict"),
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
        observed=synthetic_loci_observed_files,
        contract=rules.synthetic_loci_inputs.output[0],
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
        mem_mb=sl_mem_mb("retained"),
        runtime=sl_runtime("retained"),
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
        baseline_windows=f"{SL_DIR}/predictions/{SL_PAPER_MODEL}/windows.tsv",
        baseline_peaks=f"{SL_DIR}/predictions/{SL_PAPER_MODEL}/peaks.tsv",
        windows=synthetic_loci_prediction_tables,
        peaks=synthetic_loci_peak_tables,
        retained=synthetic_loci_retained_tables,
        accessibility=synthetic_loci_accessibility_input,
        cage=synthetic_loci_cage_tables,
    output:
        **SL_METRIC_TABLES,
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


rule synthetic_loci_cage_dataset:
    input:
        unpack(synthetic_loci_cage_track_files),
        contract=rules.synthetic_loci_inputs.output[0],
        regions=sl_cfg().get("cage", {}).get("regions", []),
    output:
        h5=f"{SL_DIR}/cage/dataset.h5",
        bed=f"{SL_DIR}/cage/dataset.bed",
    log:
        log_path("synthetic_loci", "cage_dataset"),
    benchmark:
        bench_path("synthetic_loci", "cage_dataset")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=sl_mem_mb("cage_dataset"),
        runtime=sl_runtime("cage_dataset"),
    params:
        cage=sl_cfg().get("cage", {}),
        window=sl_cfg()["window"],
    script:
        "../scripts/synthetic_loci_cage_dataset.py"


rule synthetic_loci_cage_train:
    input:
        enformer=synthetic_loci_enformer_inputs(),
        genome=sl_cfg()["inputs"]["genome"],
        dataset=rules.synthetic_loci_cage_dataset.output.h5,
    output:
        model=f"{SL_DIR}/cage/model/model.pt",
        history=f"{SL_DIR}/cage/model/history.tsv",
    log:
        log_path("synthetic_loci", "cage_train"),
    benchmark:
        bench_path("synthetic_loci", "cage_train")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=sl_mem_mb("cage_train"),
        runtime=sl_runtime("cage_train"),
    params:
        cfg=sl_cfg(),
        enformer=ENFORMER,
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_cage_train.py"


rule synthetic_loci_cage_predict:
    input:
        enformer=synthetic_loci_enformer_inputs(),
        dataset=rules.synthetic_loci_cage_dataset.output.h5,
        model=rules.synthetic_loci_cage_train.output.model,
        payloads=rules.synthetic_loci_dataset.output.payloads,
    output:
        windows=f"{SL_DIR}/cage/predictions/windows.tsv",
        peaks=f"{SL_DIR}/cage/predictions/peaks.tsv",
        profiles=f"{SL_DIR}/cage/predictions/profiles.npz",
    log:
        log_path("synthetic_loci", "cage_predict"),
    benchmark:
        bench_path("synthetic_loci", "cage_predict")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=sl_mem_mb("predict"),
        runtime=sl_runtime("predict"),
    params:
        cfg=sl_cfg(),
        enformer=ENFORMER,
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_cage_predict.py"


rule synthetic_loci_cage_heldout:
    input:
        unpack(synthetic_loci_cage_track_files),
        enformer=synthetic_loci_enformer_inputs(),
        dataset=rules.synthetic_loci_cage_dataset.output.h5,
        model=rules.synthetic_loci_cage_train.output.model,
        genome=sl_cfg()["inputs"]["genome"],
        regions=sl_cfg()["inputs"]["retained_regions"],
    output:
        f"{SL_DIR}/cage/heldout.tsv",
    log:
        log_path("synthetic_loci", "cage_heldout"),
    benchmark:
        bench_path("synthetic_loci", "cage_heldout")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=sl_mem_mb("retained"),
        runtime=sl_runtime("retained"),
    params:
        cfg=sl_cfg(),
        enformer=ENFORMER,
        seed=config["seed"],
    script:
        "../scripts/synthetic_loci_cage_heldout.py"


rule synthetic_loci_ctss_bigwig:
    input:
        ctss=synthetic_loci_ctss_input,
        fai=sl_cfg()["inputs"]["genome"] + ".fai",
    output:
        "resources/synthetic_loci/cage/{track}.bigWig",
    log:
        log_path("synthetic_loci", "ctss_{track}"),
    benchmark:
        bench_path("synthetic_loci", "ctss_{track}")
    wildcard_constraints:
        track=synthetic_loci_ctss_regex(),
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/synthetic_loci_ctss.py"


rule synthetic_loci_encode_dnase:
    output:
        file="resources/downloads/synthetic_loci/encode/{experiment}.bigWig",
        provenance="resources/downloads/synthetic_loci/encode/{experiment}.bigWig.encode.json",
    log:
        log_path("synthetic_loci", "encode_{experiment}"),
    benchmark:
        bench_path("synthetic_loci", "encode_{experiment}")
    wildcard_constraints:
        experiment=synthetic_loci_encode_regex(),
    retries: 2
    localrule: True
    conda:
        "../envs/download.yaml"
    params:
        encode=synthetic_loci_encode_params,
    script:
        "../scripts/accessibility_encode.py"


rule synthetic_loci_zenodo_files:
    input:
        "resources/downloads/synthetic_loci/zenodo_13363228.json",
    output:
        f"{SL_DIR}/inputs/zenodo_13363228_files.tsv",
    log:
        log_path("synthetic_loci", "zenodo_files"),
    benchmark:
        bench_path("synthetic_loci", "zenodo_files")
    localrule: True
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/synthetic_loci_zenodo.py"


rule synthetic_loci_tracks:
    input:
        payloads=rules.synthetic_loci_dataset.output.payloads,
        baseline=f"{SL_DIR}/predictions/{SL_PAPER_MODEL}/profiles.npz",
        finetuned=f"{SL_DIR}/predictions/{next(iter(sl_heads()))}/authors/profiles.npz",
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


rule all_synthetic_loci:
    input:
        study_targets("synthetic_loci"),
