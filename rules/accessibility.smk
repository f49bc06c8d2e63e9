"""accessibility study (GOPHER, Toneyan et al. 2022): rules only; input functions and target
lists live in rules/common/accessibility.smk.

datasets -> models/<experiment>/<model>/ (train, GPU; a model repeated with the same spec in a later
experiment is trained once, in the first one's folder) -> evals/<experiment>/<model>/<evaluation>.tsv
(GPU) -> <experiment>/<evaluation>.tsv (collect) -> tables; the panels are declared in
regbench/studies/accessibility/panels.py and built by rules/panels.smk (rules acc_panel_*)."""


wildcard_constraints:
    dataset=r"[A-Za-z0-9_.-]+",
    experiment=r"[A-Za-z0-9_]+",
    model=r"[A-Za-z0-9_.-]+",
    evaluation="whole|tracks|peak|binary|robustness|cagi|tomtom|gia|occlusion|history",


rule acc_encode_bigwig:
    output:
        file=ACC["inputs"]["bigwig"],
        provenance=ACC["inputs"]["bigwig"] + ACC_ENCODE_SUFFIX,
    log:
        log_path("accessibility", "encode/{cell}.{rep}.fc"),
    benchmark:
        bench_path("accessibility", "encode/{cell}.{rep}.fc")
    wildcard_constraints:
        cell=acc_encode_cells_regex(),
        rep="rep1|rep2",
    retries: 2
    localrule: True
    conda:
        "../envs/download.yaml"
    params:
        encode=acc_encode_bigwig_params,
    script:
        "../scripts/accessibility_encode.py"


rule acc_encode_peaks:
    output:
        file=ACC["inputs"]["peaks"],
        provenance=ACC["inputs"]["peaks"] + ACC_ENCODE_SUFFIX,
    log:
        log_path("accessibility", "encode/{cell}.rep1.idr_peaks"),
    benchmark:
        bench_path("accessibility", "encode/{cell}.rep1.idr_peaks")
    wildcard_constraints:
        cell=acc_encode_cells_regex(),
    retries: 2
    localrule: True
    conda:
        "../envs/download.yaml"
    params:
        encode=acc_encode_peaks_params,
    script:
        "../scripts/accessibility_encode.py"


rule acc_encode_provenance:
    input:
        acc_encode_provenance_files(),
    output:
        report(
            f"{ACC_RES}/encode_files.tsv",
            caption=caption("accessibility", "encode_files"),
            category="accessibility",
            labels={"figure": "Data", "panel": "ENCODE files"},
        ),
    log:
        log_path("accessibility", "encode_files"),
    benchmark:
        bench_path("accessibility", "encode_files")
    localrule: True
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/accessibility_encode_provenance.py"


rule acc_jaspar_meme:
    output:
        f"{ACC_RES}/jaspar.meme",
    log:
        log_path("accessibility", "jaspar_meme"),
    benchmark:
        bench_path("accessibility", "jaspar_meme")
    conda:
        "../envs/regbench.yaml"
    params:
        jaspar=ACC["jaspar"],
    script:
        "../scripts/accessibility_jaspar.py"


rule acc_assembly_gaps:
    input:
        ACC["inputs"]["genome"],
    output:
        f"{ACC_RES}/assembly_gaps.bed",
    log:
        log_path("accessibility", "assembly_gaps"),
    benchmark:
        bench_path("accessibility", "assembly_gaps")
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/accessibility_assembly_gaps.py"


rule acc_dataset:
    input:
        unpack(acc_dataset_inputs),
    output:
        f"{ACC_RES}/datasets/{{dataset}}.h5",
    log:
        log_path("accessibility", "dataset_{dataset}"),
    benchmark:
        bench_path("accessibility", "dataset_{dataset}")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=acc_resource("dataset", "mem_mb"),
        runtime=acc_resource("dataset", "runtime"),
    params:
        spec=acc_dataset_spec,
        cells=ACC["cells"],
    script:
        "../scripts/accessibility_dataset.py"


rule acc_cagi_variants:
    input:
        tables=ACC["inputs"]["cagi_tables"],
        genome=ACC["inputs"]["cagi_genome"],
    output:
        npz=f"{ACC_RES}/cagi/variants.npz",
        table=f"{ACC_RES}/cagi/variants.tsv",
    log:
        log_path("accessibility", "cagi_variants"),
    benchmark:
        bench_path("accessibility", "cagi_variants")
    conda:
        "../envs/regbench.yaml"
    resources:
        runtime=acc_cpu_runtime("cagi_variants"),
    params:
        context=ACC["context_length"],
    script:
        "../scripts/accessibility_cagi_variants.py"


rule acc_train:
    input:
        unpack(acc_train_inputs),
    output:
        model=f"{ACC_RES}/models/{{experiment}}/{{model}}/model.pt",
        spec=f"{ACC_RES}/models/{{experiment}}/{{model}}/spec.json",
    log:
        log_path("accessibility", "train/{experiment}/{model}"),
    benchmark:
        bench_path("accessibility", "train/{experiment}/{model}")
    conda:
        "../envs/torch.yaml"
    threads: 8
    resources:
        gpu=1,
        cpus_per_gpu=8,
        mem_mb=acc_resource("train", "mem_mb"),
        runtime=acc_resource("train", "runtime"),
    params:
        spec=acc_spec_param,
        cfg=acc_train_cfg,
    script:
        "../scripts/accessibility_train.py"


rule acc_evaluate:
    input:
        unpack(acc_eval_inputs),
    output:
        table=f"{ACC_RES}/evals/{{experiment}}/{{model}}/evaluations.tsv",
        extra=f"{ACC_RES}/evals/{{experiment}}/{{model}}/cagi_variants.tsv",
    log:
        log_path("accessibility", "evaluate/{experiment}/{model}"),
    benchmark:
        bench_path("accessibility", "evaluate/{experiment}/{model}")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=acc_resource("evaluate", "mem_mb"),
        runtime=acc_resource("evaluate", "runtime"),
    params:
        evaluations=acc_model_evaluations,
        spec=acc_spec_param,
        cfg=acc_eval_cfg,
        datasets=acc_eval_datasets(),
    script:
        "../scripts/accessibility_evaluate.py"


rule acc_tomtom:
    input:
        unpack(acc_tomtom_inputs),
    output:
        table=f"{ACC_RES}/evals/{{experiment}}/{{model}}/tomtom.tsv",
        tomtom_hits=f"{ACC_RES}/evals/{{experiment}}/{{model}}/tomtom_hits.tsv",
    log:
        log_path("accessibility", "tomtom/{experiment}/{model}"),
    benchmark:
        bench_path("accessibility", "tomtom/{experiment}/{model}")
    conda:
        "../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=mem_mb_scaled(8000),
        runtime=runtime_scaled(120),
        # memelite's Tomtom is numba code cached on first use (~60 s of compiling); the local
        # profile allows one such job at a time, so a fresh install compiles it once, not per core
        numba_jit=1,
    params:
        evaluations=["tomtom"],
        spec=acc_spec_param,
        cfg=acc_eval_cfg,
        datasets=acc_eval_datasets(),
        device="cpu",
    script:
        "../scripts/accessibility_evaluate.py"


rule acc_collect:
    input:
        acc_collect_inputs,
    output:
        f"{ACC_RES}/{{experiment}}/{{evaluation}}.tsv",
    log:
        log_path("accessibility", "collect/{experiment}/{evaluation}"),
    benchmark:
        bench_path("accessibility", "collect/{experiment}/{evaluation}")
    localrule: True
    conda:
        "../envs/regbench.yaml"
    params:
        evaluation=acc_wildcard_evaluation,
    script:
        "../scripts/accessibility_collect.py"


rule acc_collect_cagi_variants:
    input:
        acc_collect_extra_inputs,
    output:
        f"{ACC_RES}/{{experiment}}/cagi_variants.tsv",
    log:
        log_path("accessibility", "collect/{experiment}/cagi_variants"),
    benchmark:
        bench_path("accessibility", "collect/{experiment}/cagi_variants")
    localrule: True
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/accessibility_collect.py"


rule acc_replicate_ceiling:
    input:
        whole=acc_dataset_path(ACC["eval_datasets"]["whole"]),
        rep2=[acc_bigwig(c, "rep2") for c in acc_ceiling_cells()],
    output:
        f"{ACC_RES}/replicate_ceiling.tsv",
    log:
        log_path("accessibility", "replicate_ceiling"),
    benchmark:
        bench_path("accessibility", "replicate_ceiling")
    conda:
        "../envs/regbench.yaml"
    resources:
        runtime=acc_cpu_runtime("replicate_ceiling"),
    params:
        bins=ACC["evaluation"]["ceiling_bins"],
        cells=acc_ceiling_cells(),
    script:
        "../scripts/accessibility_replicate.py"


for _table in ACC_TABLES:

    rule:
        name:
            f"acc_table_{_table}"
        input:
            acc_table_inputs(_table),
        output:
            report(
                f"{ACC_RES}/tables/{_table}.tsv",
                caption=caption("accessibility", _table),
                category="accessibility",
                labels={"figure": "Supplementary", "panel": _table},
            ),
        log:
            log_path("accessibility", f"table_{_table}"),
        benchmark:
            bench_path("accessibility", f"table_{_table}")
        conda:
            "../envs/regbench.yaml"
        params:
            table=_table,
        script:
            "../scripts/accessibility_table.py"


rule all_accessibility:
    input:
        study_targets("accessibility"),
