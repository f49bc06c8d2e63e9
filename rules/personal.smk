"""personal study (Sasse et al. 2023, Enformer on personal genomes): rules only; input functions
and target lists live in rules/common/personal.smk.

genes -> genotypes/<chunk> (CPU) + reference/<chunk> (GPU) -> elastic_net -> predictions/<chunk>
(GPU) -> gene_stats (R, null, t, BH, PrediXcan) -> ism/<chunk> (GPU, XAI genes) -> drivers
-> panels. The CNN of Extended Data Fig. 2 is trained and evaluated by personal_cnn_*."""


wildcard_constraints:
    chunk=r"\d{4}",


rule personal_predictdb:
    input:
        "resources/downloads/personal/elastic_net_eqtl.tar",
    output:
        "resources/personal/en_Brain_Cortex.db",
    log:
        log_path("personal", "predictdb"),
    benchmark:
        bench_path("personal", "predictdb")
    conda:
        "../envs/download.yaml"
    shell:
        "tar -xOf {input} elastic_net_models/en_Brain_Cortex.db > {output}.tmp 2> {log}"
        " && mv {output}.tmp {output}"


rule personal_genes:
    input:
        gtf=PERS["inputs"]["gtf"],
        expression=PERS["inputs"]["expression"],
    output:
        f"{PERS_RES}/genes.tsv",
    log:
        log_path("personal", "genes"),
    benchmark:
        bench_path("personal", "genes")
    conda:
        "../envs/regbench.yaml"
    params:
        cfg=PERS,
    script:
        "../scripts/personal_genes.py"


rule personal_genotypes:
    input:
        unpack(pers_vcf),
        genes=f"{PERS_RES}/genes.tsv",
        genome=PERS["inputs"]["genome"],
    output:
        f"{PERS_RES}/genotypes/chunk{{chunk}}.npz",
    log:
        log_path("personal", "genotypes/chunk{chunk}"),
    benchmark:
        bench_path("personal", "genotypes/chunk{chunk}")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(8000),
        runtime=runtime_scaled(60),
    params:
        cfg=PERS,
    script:
        "../scripts/personal_genotypes.py"


rule personal_reference:
    input:
        genes=f"{PERS_RES}/genes.tsv",
        genome=PERS["inputs"]["genome"],
        model=pers_enformer_inputs(),
    output:
        f"{PERS_RES}/reference/chunk{{chunk}}.npz",
    log:
        log_path("personal", "reference/chunk{chunk}"),
    benchmark:
        bench_path("personal", "reference/chunk{chunk}")
    conda:
        "../envs/torch.yaml"
    threads: 2
    resources:
        gpu=1,
        cpus_per_gpu=2,
        mem_mb=mem_mb_scaled(32000),
        runtime=runtime_scaled(30),
    params:
        cfg=PERS,
        enformer=ENFORMER,
    script:
        "../scripts/personal_reference.py"


rule personal_elastic_net:
    input:
        unpack(pers_elastic_net_inputs),
    output:
        weights=f"{PERS_RES}/elastic_net/weights.csv",
        predictions=f"{PERS_RES}/reference_predictions.tsv",
    log:
        log_path("personal", "elastic_net"),
    benchmark:
        bench_path("personal", "elastic_net")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(16000),
        runtime=runtime_scaled(60),
    params:
        cfg=PERS,
    script:
        "../scripts/personal_elastic_net.py"


rule personal_predict:
    input:
        unpack(pers_vcf),
        genes=f"{PERS_RES}/genes.tsv",
        genome=PERS["inputs"]["genome"],
        model=pers_enformer_inputs(),
        targets=config["enformer"]["targets_human"],
        weights=f"{PERS_RES}/elastic_net/weights.csv",
    output:
        f"{PERS_RES}/predictions/chunk{{chunk}}.tsv",
    log:
        log_path("personal", "predictions/chunk{chunk}"),
    benchmark:
        bench_path("personal", "predictions/chunk{chunk}")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(32000),
        runtime=runtime_scaled(600),
    params:
        cfg=PERS,
        enformer=ENFORMER,
    script:
        "../scripts/personal_predict.py"


rule personal_predixcan:
    input:
        unpack(pers_vcf),
        genes=f"{PERS_RES}/genes.tsv",
        db=PERS["inputs"]["predictdb"],
        expression=PERS["inputs"]["expression"],
    output:
        f"{PERS_RES}/predixcan.tsv",
    log:
        log_path("personal", "predixcan"),
    benchmark:
        bench_path("personal", "predixcan")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(16000),
        runtime=runtime_scaled(240),
    params:
        cfg=PERS,
    script:
        "../scripts/personal_predixcan.py"


rule personal_gene_stats:
    input:
        genes=f"{PERS_RES}/genes.tsv",
        predictions=pers_chunk_files(f"{PERS_RES}/predictions/chunk{{chunk}}.tsv"),
        genotypes=pers_chunk_files(f"{PERS_RES}/genotypes/chunk{{chunk}}.npz"),
        expression=PERS["inputs"]["expression"],
        predixcan=f"{PERS_RES}/predixcan.tsv",
        finemapped=PERS["inputs"].get("finemapped", []),
    output:
        stats=f"{PERS_RES}/gene_stats.tsv",
        individual=f"{PERS_RES}/individual_predictions.tsv",
        significance=f"{PERS_RES}/summary/significance.tsv",
        predixcan=f"{PERS_RES}/summary/predixcan.tsv",
    log:
        log_path("personal", "gene_stats"),
    benchmark:
        bench_path("personal", "gene_stats")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(16000),
        runtime=runtime_scaled(60),
    params:
        cfg=PERS,
    script:
        "../scripts/personal_gene_stats.py"


rule personal_ism:
    input:
        genes=f"{PERS_RES}/genes.tsv",
        stats=f"{PERS_RES}/gene_stats.tsv",
        genotypes=f"{PERS_RES}/genotypes/chunk{{chunk}}.npz",
        genome=PERS["inputs"]["genome"],
        model=pers_enformer_inputs(),
        targets=config["enformer"]["targets_human"],
    output:
        f"{PERS_RES}/ism/chunk{{chunk}}.tsv",
    log:
        log_path("personal", "ism/chunk{chunk}"),
    benchmark:
        bench_path("personal", "ism/chunk{chunk}")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(32000),
        runtime=runtime_scaled(240),
    params:
        cfg=PERS,
        enformer=ENFORMER,
    script:
        "../scripts/personal_ism.py"


rule personal_drivers:
    input:
        stats=f"{PERS_RES}/gene_stats.tsv",
        ism=pers_chunk_files(f"{PERS_RES}/ism/chunk{{chunk}}.tsv"),
        genotypes=pers_chunk_files(f"{PERS_RES}/genotypes/chunk{{chunk}}.npz"),
        predictions=pers_chunk_files(f"{PERS_RES}/predictions/chunk{{chunk}}.tsv"),
        expression=PERS["inputs"]["expression"],
    output:
        snvs=f"{PERS_RES}/snvs.tsv",
        drivers=f"{PERS_RES}/drivers.tsv",
        backward=f"{PERS_RES}/drivers_backward.tsv",
        support=f"{PERS_RES}/driver_support.tsv",
        summary=f"{PERS_RES}/summary/drivers.tsv",
    log:
        log_path("personal", "drivers"),
    benchmark:
        bench_path("personal", "drivers")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(16000),
        runtime=runtime_scaled(120),
    params:
        cfg=PERS,
    script:
        "../scripts/personal_drivers.py"


rule personal_cnn_train:
    input:
        genes=f"{PERS_RES}/genes.tsv",
        genome=PERS["inputs"]["genome"],
        expression=PERS["inputs"]["expression"],
    output:
        model=f"{PERS_RES}/cnn/model/model.pt",
        predictions=f"{PERS_RES}/cnn/reference_predictions.tsv",
    log:
        log_path("personal", "cnn_train"),
    benchmark:
        bench_path("personal", "cnn_train")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(32000),
        runtime=runtime_scaled(240),
    params:
        cfg=PERS,
    script:
        "../scripts/personal_cnn_train.py"


rule personal_cnn_eval:
    input:
        unpack(pers_vcf),
        model=f"{PERS_RES}/cnn/model/model.pt",
        genes=f"{PERS_RES}/genes.tsv",
        genome=PERS["inputs"]["genome"],
        expression=PERS["inputs"]["expression"],
    output:
        f"{PERS_RES}/cnn/gene_stats.tsv",
    log:
        log_path("personal", "cnn_eval"),
    benchmark:
        bench_path("personal", "cnn_eval")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(32000),
        runtime=runtime_scaled(600),
    params:
        cfg=PERS,
    script:
        "../scripts/personal_cnn_eval.py"


rule personal_panel_fig1b:
    input:
        pers_figure_inputs("fig1b"),
    output:
        pdf=f"{PERS_FIG}/fig1b.pdf",
        png=report(
            f"{PERS_FIG}/fig1b.png",
            caption=caption("personal", "fig1b"),
            category="personal",
            labels=pers_label("fig1b"),
        ),
    log:
        log_path("personal", "panel_fig1b"),
    benchmark:
        bench_path("personal", "panel_fig1b")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="fig1b",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_fig1d:
    input:
        pers_figure_inputs("fig1d"),
    output:
        pdf=f"{PERS_FIG}/fig1d.pdf",
        png=report(
            f"{PERS_FIG}/fig1d.png",
            caption=caption("personal", "fig1d"),
            category="personal",
            labels=pers_label("fig1d"),
        ),
    log:
        log_path("personal", "panel_fig1d"),
    benchmark:
        bench_path("personal", "panel_fig1d")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="fig1d",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_fig1e:
    input:
        pers_figure_inputs("fig1e"),
    output:
        pdf=f"{PERS_FIG}/fig1e.pdf",
        png=report(
            f"{PERS_FIG}/fig1e.png",
            caption=caption("personal", "fig1e"),
            category="personal",
            labels=pers_label("fig1e"),
        ),
    log:
        log_path("personal", "panel_fig1e"),
    benchmark:
        bench_path("personal", "panel_fig1e")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="fig1e",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_fig2a:
    input:
        pers_figure_inputs("fig2a"),
    output:
        pdf=f"{PERS_FIG}/fig2a.pdf",
        png=report(
            f"{PERS_FIG}/fig2a.png",
            caption=caption("personal", "fig2a"),
            category="personal",
            labels=pers_label("fig2a"),
        ),
    log:
        log_path("personal", "panel_fig2a"),
    benchmark:
        bench_path("personal", "panel_fig2a")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="fig2a",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_fig2b:
    input:
        pers_figure_inputs("fig2b"),
    output:
        pdf=f"{PERS_FIG}/fig2b.pdf",
        png=report(
            f"{PERS_FIG}/fig2b.png",
            caption=caption("personal", "fig2b"),
            category="personal",
            labels=pers_label("fig2b"),
        ),
    log:
        log_path("personal", "panel_fig2b"),
    benchmark:
        bench_path("personal", "panel_fig2b")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="fig2b",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_fig2c:
    input:
        pers_figure_inputs("fig2c"),
    output:
        pdf=f"{PERS_FIG}/fig2c.pdf",
        png=report(
            f"{PERS_FIG}/fig2c.png",
            caption=caption("personal", "fig2c"),
            category="personal",
            labels=pers_label("fig2c"),
        ),
    log:
        log_path("personal", "panel_fig2c"),
    benchmark:
        bench_path("personal", "panel_fig2c")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="fig2c",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_fig2d:
    input:
        pers_figure_inputs("fig2d"),
    output:
        pdf=f"{PERS_FIG}/fig2d.pdf",
        png=report(
            f"{PERS_FIG}/fig2d.png",
            caption=caption("personal", "fig2d"),
            category="personal",
            labels=pers_label("fig2d"),
        ),
    log:
        log_path("personal", "panel_fig2d"),
    benchmark:
        bench_path("personal", "panel_fig2d")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="fig2d",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_fig2e:
    input:
        pers_figure_inputs("fig2e"),
    output:
        pdf=f"{PERS_FIG}/fig2e.pdf",
        png=report(
            f"{PERS_FIG}/fig2e.png",
            caption=caption("personal", "fig2e"),
            category="personal",
            labels=pers_label("fig2e"),
        ),
    log:
        log_path("personal", "panel_fig2e"),
    benchmark:
        bench_path("personal", "panel_fig2e")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="fig2e",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_fig2f:
    input:
        pers_figure_inputs("fig2f"),
    output:
        pdf=f"{PERS_FIG}/fig2f.pdf",
        png=report(
            f"{PERS_FIG}/fig2f.png",
            caption=caption("personal", "fig2f"),
            category="personal",
            labels=pers_label("fig2f"),
        ),
    log:
        log_path("personal", "panel_fig2f"),
    benchmark:
        bench_path("personal", "panel_fig2f")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="fig2f",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_ed1a:
    input:
        pers_figure_inputs("ed1a"),
    output:
        pdf=f"{PERS_FIG}/ed1a.pdf",
        png=report(
            f"{PERS_FIG}/ed1a.png",
            caption=caption("personal", "ed1a"),
            category="personal",
            labels=pers_label("ed1a"),
        ),
    log:
        log_path("personal", "panel_ed1a"),
    benchmark:
        bench_path("personal", "panel_ed1a")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="ed1a",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_ed1b:
    input:
        pers_figure_inputs("ed1b"),
    output:
        pdf=f"{PERS_FIG}/ed1b.pdf",
        png=report(
            f"{PERS_FIG}/ed1b.png",
            caption=caption("personal", "ed1b"),
            category="personal",
            labels=pers_label("ed1b"),
        ),
    log:
        log_path("personal", "panel_ed1b"),
    conda:
        "../envs/regbench.yaml"
    params:
        panel="ed1b",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_ed1c:
    input:
        pers_figure_inputs("ed1c"),
    output:
        pdf=f"{PERS_FIG}/ed1c.pdf",
        png=report(
            f"{PERS_FIG}/ed1c.png",
            caption=caption("personal", "ed1c"),
            category="personal",
            labels=pers_label("ed1c"),
        ),
    log:
        log_path("personal", "panel_ed1c"),
    conda:
        "../envs/regbench.yaml"
    params:
        panel="ed1c",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_ed2a:
    input:
        pers_figure_inputs("ed2a"),
    output:
        pdf=f"{PERS_FIG}/ed2a.pdf",
        png=report(
            f"{PERS_FIG}/ed2a.png",
            caption=caption("personal", "ed2a"),
            category="personal",
            labels=pers_label("ed2a"),
        ),
    log:
        log_path("personal", "panel_ed2a"),
    benchmark:
        bench_path("personal", "panel_ed2a")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="ed2a",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_ed2b:
    input:
        pers_figure_inputs("ed2b"),
    output:
        pdf=f"{PERS_FIG}/ed2b.pdf",
        png=report(
            f"{PERS_FIG}/ed2b.png",
            caption=caption("personal", "ed2b"),
            category="personal",
            labels=pers_label("ed2b"),
        ),
    log:
        log_path("personal", "panel_ed2b"),
    benchmark:
        bench_path("personal", "panel_ed2b")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="ed2b",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_supp1:
    input:
        pers_figure_inputs("supp1"),
    output:
        pdf=f"{PERS_FIG}/supp1.pdf",
        png=report(
            f"{PERS_FIG}/supp1.png",
            caption=caption("personal", "supp1"),
            category="personal",
            labels=pers_label("supp1"),
        ),
    log:
        log_path("personal", "panel_supp1"),
    benchmark:
        bench_path("personal", "panel_supp1")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="supp1",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_supp4:
    input:
        pers_figure_inputs("supp4"),
    output:
        pdf=f"{PERS_FIG}/supp4.pdf",
        png=report(
            f"{PERS_FIG}/supp4.png",
            caption=caption("personal", "supp4"),
            category="personal",
            labels=pers_label("supp4"),
        ),
    log:
        log_path("personal", "panel_supp4"),
    benchmark:
        bench_path("personal", "panel_supp4")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="supp4",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule personal_panel_supp7:
    input:
        pers_figure_inputs("supp7"),
    output:
        pdf=f"{PERS_FIG}/supp7.pdf",
        png=report(
            f"{PERS_FIG}/supp7.png",
            caption=caption("personal", "supp7"),
            category="personal",
            labels=pers_label("supp7"),
        ),
    log:
        log_path("personal", "panel_supp7"),
    benchmark:
        bench_path("personal", "panel_supp7")
    conda:
        "../envs/regbench.yaml"
    params:
        panel="supp7",
        cfg=PERS,
    script:
        "../scripts/personal_figure.py"


rule all_personal:
    input:
        study_targets("personal"),
