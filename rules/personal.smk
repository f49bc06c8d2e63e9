"""personal study (Sasse et al. 2023, Enformer on personal genomes): rules only; input functions
and target lists live in rules/common/personal.smk.

Inputs (paper configuration): ROSMAP GRCh37 WGS per chromosome (Synapse folder, by name) ->
LiftoverVcf -> PLINK QC -> phasing (Eagle / SHAPEIT4) -> bcftools concat; DLPFC RNA-seq counts
-> paired individuals -> TMM / log2 CPM / covariates; GTEx v8 cortex mean (elastic-net target);
SuSiE genes of Supplementary Table 1.
Study: genes (+ reference_genes) -> genotypes/<chunk> (CPU) + reference/<ref chunk> (GPU) ->
elastic_net (published + sklearn heads) -> models/<model>/predictions/<chunk> (GPU) ->
models/<model>/gene_stats (R, null, t, BH, PrediXcan) -> models/<model>/ism/<chunk> (GPU, XAI +
example genes) -> models/<model>/drivers; tss_ism/<chunk> -> driver_ism/<chunk> (GPU) -> motifs ->
panels. The model axis (regbench.studies.personal.models): {model} is `enformer` (the paper's
Enformer with its elastic-net heads, a built-in card) or any model card qualified for personal;
the Enformer-only steps (ensemble, tss_ism, driver_ism, motifs) and the panels read `enformer`. The CNN of Extended Data Fig. 2 is trained and
evaluated by personal_cnn_*."""


wildcard_constraints:
    chunk=r"\d{4}",


# --- public downloads turned into study inputs --------------------------------------------------


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


rule personal_gtex_target:
    input:
        tpm=PERS.get("gtex", {}).get("tpm", "resources/downloads/personal/gtex/gene_tpm.gct.gz"),
        attributes=PERS.get("gtex", {}).get(
            "attributes", "resources/downloads/personal/gtex/SampleAttributesDS.txt"
        ),
    output:
        "resources/personal/gtex/brain_cortex_mean.tsv",
    log:
        log_path("personal", "gtex_target"),
    benchmark:
        bench_path("personal", "gtex_target")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(60),
    params:
        tissue=PERS.get("gtex", {}).get("tissue", "Brain - Cortex"),
    script:
        "../scripts/personal_gtex_target.py"


rule personal_finemapped:
    input:
        PERS.get("finemapped", {}).get(
            "table", "resources/downloads/personal/SupplementaryTable1.tsv"
        ),
    output:
        "resources/personal/finemapped.tsv",
    log:
        log_path("personal", "finemapped"),
    benchmark:
        bench_path("personal", "finemapped")
    conda:
        "../envs/regbench.yaml"
    params:
        column=PERS.get("finemapped", {}).get("column", "SusieCausalCortexhg38"),
    script:
        "../scripts/personal_finemapped.py"


# --- ROSMAP genotypes: GRCh37 WGS -> GRCh38, QC, phasing, one VCF ---------------------------------


rule personal_rosmap_wgs:
    output:
        "resources/downloads/personal/rosmap/wgs/chr{chrom}.b37.vcf.gz",
    log:
        "logs/download/personal/rosmap/wgs/chr{chrom}.log",
    benchmark:
        "benchmarks/rules/download/personal/rosmap/wgs/chr{chrom}.b37.vcf.gz.tsv"
    wildcard_constraints:
        chrom=r"[0-9XY]+",
    retries: 2
    localrule: True
    conda:
        "../envs/download.yaml"
    params:
        spec=pers_rosmap_wgs_spec,
    script:
        "../scripts/download.py"


rule personal_liftover_reference:
    input:
        fa=PERS["inputs"]["genome"],
        fai=PERS["inputs"]["genome"] + ".fai",
    output:
        fa=f"{PERS_ROSMAP}/ref/hg38.fa",
        fai=f"{PERS_ROSMAP}/ref/hg38.fa.fai",
        dict=f"{PERS_ROSMAP}/ref/hg38.dict",
    log:
        log_path("personal", "rosmap/liftover_reference"),
    benchmark:
        bench_path("personal", "rosmap/liftover_reference")
    conda:
        "../envs/genotypes.yaml"
    shell:
        "(ln -sf $(realpath {input.fa}) {output.fa} && ln -sf $(realpath {input.fai}) {output.fai}"
        " && $(command -v PicardCommandLine || command -v picard) CreateSequenceDictionary R={output.fa} O={output.dict}.tmp.dict"
        " && mv {output.dict}.tmp.dict {output.dict}) > {log} 2>&1"


rule personal_liftover:
    input:
        vcf="resources/downloads/personal/rosmap/wgs/chr{chrom}.b37.vcf.gz",
        chain=PERS_ROS.get("chain", "resources/downloads/personal/hg19ToHg38.over.chain.gz"),
        ref=f"{PERS_ROSMAP}/ref/hg38.fa",
        dict=f"{PERS_ROSMAP}/ref/hg38.dict",
    output:
        vcf=f"{PERS_ROSMAP}/lifted/chr{{chrom}}.vcf.gz",
        rejected=f"{PERS_ROSMAP}/lifted/chr{{chrom}}.rejected.vcf.gz",
    log:
        log_path("personal", "rosmap/liftover_chr{chrom}"),
    benchmark:
        bench_path("personal", "rosmap/liftover_chr{chrom}")
    conda:
        "../envs/genotypes.yaml"
    resources:
        mem_mb=mem_mb_scaled(16000),
        runtime=pers_liftover_runtime,
    params:
        java_mem=lambda wc, resources: max(1000, int(resources.mem_mb * 0.8)),
        records_in_ram=PERS_LIFTOVER_RECORDS_IN_RAM,
    shell:
        # GRCh37 VCFs name chromosomes 1..22, the UCSC chain chr1..chr22: rename first
        "(echo '{wildcards.chrom} chr{wildcards.chrom}' > {output.vcf}.chrmap"
        " && bcftools annotate --rename-chrs {output.vcf}.chrmap -Oz -o {output.vcf}.renamed.vcf.gz {input.vcf}"
        " && $(command -v PicardCommandLine || command -v picard) -Xmx{params.java_mem}m LiftoverVcf"
        " I={output.vcf}.renamed.vcf.gz O={output.vcf}.tmp.vcf.gz"
        " CHAIN={input.chain} REJECT={output.rejected}.tmp.vcf.gz R={input.ref}"
        " WARN_ON_MISSING_CONTIG=true RECOVER_SWAPPED_REF_ALT=true MAX_RECORDS_IN_RAM={params.records_in_ram}"
        " && mv {output.rejected}.tmp.vcf.gz {output.rejected} && mv {output.vcf}.tmp.vcf.gz {output.vcf}"
        " && rm -f {output.vcf}.tmp.vcf.gz.tbi {output.vcf}.renamed.vcf.gz {output.vcf}.chrmap) > {log} 2>&1"


rule personal_plink_qc:
    input:
        vcf=f"{PERS_ROSMAP}/lifted/chr{{chrom}}.vcf.gz",
        outliers=PERS_ROS.get("qc", {}).get("remove") or [],
    output:
        vcf=f"{PERS_ROSMAP}/qc/chr{{chrom}}.vcf.gz",
        tbi=f"{PERS_ROSMAP}/qc/chr{{chrom}}.vcf.gz.tbi",
    log:
        log_path("personal", "rosmap/plink_qc_chr{chrom}"),
    benchmark:
        bench_path("personal", "rosmap/plink_qc_chr{chrom}")
    conda:
        "../envs/genotypes.yaml"
    threads: 2
    resources:
        mem_mb=mem_mb_scaled(8000),
        runtime=pers_plink_qc_runtime,
    params:
        args=lambda wc, input: " ".join(
            pers_plink_qc_args(
                PERS_ROS.get("qc", {}), input.outliers[0] if input.outliers else None
            )
        ),
        prefix=lambda wc, output: output.vcf[: -len(".vcf.gz")] + ".tmp",
    shell:
        "($(command -v plink1.9 || command -v plink) --vcf {input.vcf} --double-id --chr {wildcards.chrom} {params.args}"
        " --threads {threads} --memory {resources.mem_mb} --output-chr 26 --recode vcf-iid bgz"
        " --out {params.prefix}"
        " && mv {params.prefix}.vcf.gz {output.vcf} && tabix -f -p vcf {output.vcf}"
        " && rm -f {params.prefix}.log {params.prefix}.nosex) > {log} 2>&1"


rule personal_eagle_unpack:
    input:
        PERS_ROS.get("phasing", {}).get(
            "eagle_archive", "resources/downloads/personal/Eagle_v2.4.1.tar.gz"
        ),
    output:
        eagle=f"{PERS_ROSMAP}/eagle/eagle",
        map=f"{PERS_ROSMAP}/eagle/genetic_map_hg38_withX.txt.gz",
    log:
        log_path("personal", "rosmap/eagle_unpack"),
    benchmark:
        bench_path("personal", "rosmap/eagle_unpack")
    conda:
        "../envs/download.yaml"
    shell:
        "(d=$(dirname {output.eagle}); tar -xzf {input} -C $d --strip-components=1"
        " --wildcards '*/eagle' '*/tables/genetic_map_hg38_withX.txt.gz'"
        " && mv $d/tables/genetic_map_hg38_withX.txt.gz {output.map} && chmod +x {output.eagle}) > {log} 2>&1"


rule personal_shapeit4_map:
    input:
        f"{PERS_ROSMAP}/eagle/genetic_map_hg38_withX.txt.gz",
    output:
        f"{PERS_ROSMAP}/eagle/shapeit4_map_chr{{chrom}}.txt",
    log:
        log_path("personal", "rosmap/shapeit4_map_chr{chrom}"),
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/personal_shapeit4_map.py"


rule personal_phase:
    input:
        unpack(pers_phasing_inputs),
    output:
        vcf=f"{PERS_ROSMAP}/phased/chr{{chrom}}.vcf.gz",
    log:
        log_path("personal", "rosmap/phase_chr{chrom}"),
    benchmark:
        bench_path("personal", "rosmap/phase_chr{chrom}")
    conda:
        "../envs/genotypes.yaml"
    threads: int(PERS_ROS.get("phasing", {}).get("threads", 8))
    resources:
        mem_mb=mem_mb_scaled(16000),
        runtime=runtime_scaled(720),
    params:
        cmd=lambda wc, input, output, threads: pers_phasing_command(
            PERS_ROS.get("phasing", {}).get("tool", "eagle"),
            input.vcf,
            f"{output.vcf}.tmp.vcf.gz",
            wc.chrom,
            threads,
            os.path.dirname(input.eagle) if "eagle" in input.keys() else None,
            input.map if "map" in input.keys() else None,
        ),
    shell:
        "({params.cmd} && mv {output.vcf}.tmp.vcf.gz {output.vcf}) > {log} 2>&1"


rule personal_concat:
    input:
        expand(f"{PERS_ROSMAP}/phased/chr{{chrom}}.vcf.gz", chrom=pers_rosmap_chroms()),
    output:
        vcf=f"{PERS_ROSMAP}/chrAll.phased.vcf.gz",
        tbi=f"{PERS_ROSMAP}/chrAll.phased.vcf.gz.tbi",
        samples=f"{PERS_ROSMAP}/chrAll.phased.samples.txt",
    log:
        log_path("personal", "rosmap/concat"),
    benchmark:
        bench_path("personal", "rosmap/concat")
    conda:
        "../envs/genotypes.yaml"
    threads: 2
    resources:
        mem_mb=mem_mb_scaled(4000),
        runtime=runtime_scaled(240),
    shell:
        "(bcftools concat --threads {threads} -Oz -o {output.vcf}.tmp.vcf.gz {input}"
        " && mv {output.vcf}.tmp.vcf.gz {output.vcf} && tabix -f -p vcf {output.vcf}"
        " && bcftools query -l {output.vcf} > {output.samples}.tmp && mv {output.samples}.tmp {output.samples}) > {log} 2>&1"


rule personal_expression:
    input:
        counts=PERS_ROS.get("rnaseq", {}).get("counts", []),
        id_key=PERS_ROS.get("rnaseq", {}).get("id_key", {}).get("file", []),
        covariates=list(pers_rosmap_covariate_files().values()),
        samples=f"{PERS_ROSMAP}/chrAll.phased.samples.txt",
    output:
        expression=f"{PERS_ROSMAP}/Observed_gene_expression.tsv",
        pairs=f"{PERS_ROSMAP}/paired_individuals.tsv",
    log:
        log_path("personal", "rosmap/expression"),
    benchmark:
        bench_path("personal", "rosmap/expression")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(16000),
        runtime=runtime_scaled(60),
    params:
        cfg=PERS_ROS.get("rnaseq", {}),
        covariates=pers_rosmap_covariate_files(),
    script:
        "../scripts/personal_expression.py"


# --- the study ---------------------------------------------------------------------------------


rule personal_genes:
    input:
        unpack(pers_genes_inputs),
    output:
        genes=f"{PERS_RES}/genes.tsv",
        reference=f"{PERS_RES}/reference_genes.tsv",
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
        genes=f"{PERS_RES}/reference_genes.tsv",
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
        weights=list(pers_head_weights().values()),
        predictions=f"{PERS_RES}/reference_predictions.tsv",
    log:
        log_path("personal", "elastic_net"),
    benchmark:
        bench_path("personal", "elastic_net")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(16000),
        runtime=pers_elastic_net_runtime,
    params:
        cfg=PERS,
        weights=pers_head_weights(),
    script:
        "../scripts/personal_elastic_net.py"


rule personal_predict:
    input:
        unpack(pers_vcf),
        unpack(pers_predict_inputs),
        genes=f"{PERS_RES}/genes.tsv",
        genome=PERS["inputs"]["genome"],
    output:
        f"{PERS_MODEL}/predictions/chunk{{chunk}}.tsv",
    log:
        log_path("personal", "models/{model}/predictions/chunk{chunk}"),
    benchmark:
        bench_path("personal", "models/{model}/predictions/chunk{chunk}")
    wildcard_constraints:
        model=pers_model_regex(),
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
        card=pers_card,
        weights=pers_model_heads,
    script:
        "../scripts/personal_predict.py"


rule personal_ensemble:
    input:
        unpack(pers_vcf),
        genes=f"{PERS_RES}/genes.tsv",
        stats=f"{PERS_PAPER}/gene_stats.tsv",
        genome=PERS["inputs"]["genome"],
        model=pers_enformer_inputs(),
        targets=config["enformer"]["targets_human"],
    output:
        f"{PERS_RES}/ensemble/chunk{{chunk}}.tsv",
    log:
        log_path("personal", "ensemble/chunk{chunk}"),
    benchmark:
        bench_path("personal", "ensemble/chunk{chunk}")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(32000),
        runtime=runtime_scaled(720),
    params:
        cfg=PERS,
        enformer=ENFORMER,
    script:
        "../scripts/personal_ensemble.py"


rule personal_ensemble_stats:
    input:
        stats=f"{PERS_PAPER}/gene_stats.tsv",
        ensemble=pers_chunk_files(f"{PERS_RES}/ensemble/chunk{{chunk}}.tsv"),
        expression=PERS["inputs"]["expression"],
    output:
        f"{PERS_RES}/ensemble_stats.tsv",
    log:
        log_path("personal", "ensemble_stats"),
    benchmark:
        bench_path("personal", "ensemble_stats")
    conda:
        "../envs/regbench.yaml"
    script:
        "../scripts/personal_ensemble_stats.py"


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
        predictions=expand(
            f"{PERS_MODEL}/predictions/chunk{{chunk}}.tsv", chunk=PERS_CHUNKS, allow_missing=True
        ),
        genotypes=pers_chunk_files(f"{PERS_RES}/genotypes/chunk{{chunk}}.npz"),
        expression=PERS["inputs"]["expression"],
        predixcan=f"{PERS_RES}/predixcan.tsv",
        finemapped=PERS["inputs"].get("finemapped", []),
    output:
        stats=f"{PERS_MODEL}/gene_stats.tsv",
        individual=f"{PERS_MODEL}/individual_predictions.tsv",
        example_genotypes=f"{PERS_MODEL}/example_genotypes.tsv",
        significance=f"{PERS_MODEL}/summary/significance.tsv",
        predixcan=f"{PERS_MODEL}/summary/predixcan.tsv",
    log:
        log_path("personal", "models/{model}/gene_stats"),
    benchmark:
        bench_path("personal", "models/{model}/gene_stats")
    wildcard_constraints:
        model=pers_model_regex(),
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=pers_stream_mem_mb,
        runtime=pers_stream_runtime,
    params:
        cfg=PERS,
    script:
        "../scripts/personal_gene_stats.py"


rule personal_ism:
    input:
        unpack(pers_model_inputs),
        genes=f"{PERS_RES}/genes.tsv",
        stats=f"{PERS_MODEL}/gene_stats.tsv",
        genotypes=f"{PERS_RES}/genotypes/chunk{{chunk}}.npz",
        genome=PERS["inputs"]["genome"],
    output:
        tsv=f"{PERS_MODEL}/ism/chunk{{chunk}}.tsv",
        npz=f"{PERS_MODEL}/ism/chunk{{chunk}}.npz",
    log:
        log_path("personal", "models/{model}/ism/chunk{chunk}"),
    benchmark:
        bench_path("personal", "models/{model}/ism/chunk{chunk}")
    wildcard_constraints:
        model=pers_model_regex(),
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
        card=pers_card,
    script:
        "../scripts/personal_ism.py"


rule personal_tss_ism:
    input:
        genes=f"{PERS_RES}/genes.tsv",
        stats=f"{PERS_PAPER}/gene_stats.tsv",
        genome=PERS["inputs"]["genome"],
        model=pers_enformer_inputs(),
        targets=config["enformer"]["targets_human"],
    output:
        tsv=f"{PERS_RES}/tss_ism/chunk{{chunk}}.tsv",
        npz=f"{PERS_RES}/tss_ism/chunk{{chunk}}.npz",
    log:
        log_path("personal", "tss_ism/chunk{chunk}"),
    benchmark:
        bench_path("personal", "tss_ism/chunk{chunk}")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(32000),
        runtime=runtime_scaled(720),
    params:
        cfg=PERS,
        enformer=ENFORMER,
    script:
        "../scripts/personal_tss_ism.py"


rule personal_drivers:
    input:
        stats=f"{PERS_MODEL}/gene_stats.tsv",
        ism=expand(f"{PERS_MODEL}/ism/chunk{{chunk}}.tsv", chunk=PERS_CHUNKS, allow_missing=True),
        genotypes=pers_chunk_files(f"{PERS_RES}/genotypes/chunk{{chunk}}.npz"),
        predictions=expand(
            f"{PERS_MODEL}/predictions/chunk{{chunk}}.tsv", chunk=PERS_CHUNKS, allow_missing=True
        ),
        expression=PERS["inputs"]["expression"],
    output:
        snvs=f"{PERS_MODEL}/snvs.tsv",
        drivers=f"{PERS_MODEL}/drivers.tsv",
        backward=f"{PERS_MODEL}/drivers_backward.tsv",
        support=f"{PERS_MODEL}/driver_support.tsv",
        summary=f"{PERS_MODEL}/summary/drivers.tsv",
    log:
        log_path("personal", "models/{model}/drivers"),
    benchmark:
        bench_path("personal", "models/{model}/drivers")
    wildcard_constraints:
        model=pers_model_regex(),
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=pers_stream_mem_mb,
        runtime=pers_drivers_runtime,
    params:
        cfg=PERS,
    script:
        "../scripts/personal_drivers.py"


rule personal_driver_ism:
    input:
        genes=f"{PERS_RES}/genes.tsv",
        drivers=f"{PERS_PAPER}/drivers.tsv",
        genome=PERS["inputs"]["genome"],
        model=pers_enformer_inputs(),
        targets=config["enformer"]["targets_human"],
    output:
        f"{PERS_RES}/driver_ism/chunk{{chunk}}.npz",
    log:
        log_path("personal", "driver_ism/chunk{chunk}"),
    benchmark:
        bench_path("personal", "driver_ism/chunk{chunk}")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(32000),
        runtime=runtime_scaled(120),
    params:
        cfg=PERS,
        enformer=ENFORMER,
    script:
        "../scripts/personal_driver_ism.py"


rule personal_motifs:
    input:
        drivers=f"{PERS_PAPER}/drivers.tsv",
        stats=f"{PERS_PAPER}/gene_stats.tsv",
        genes=f"{PERS_RES}/genes.tsv",
        genome=PERS["inputs"]["genome"],
        driver_ism=pers_chunk_files(f"{PERS_RES}/driver_ism/chunk{{chunk}}.npz"),
        tss_ism=pers_chunk_files(f"{PERS_RES}/tss_ism/chunk{{chunk}}.tsv"),
    output:
        windows=f"{PERS_RES}/motifs/driver_windows.tsv",
        kmers=f"{PERS_RES}/motifs/kmers.tsv",
        clusters=f"{PERS_RES}/motifs/kmer_clusters.tsv",
    log:
        log_path("personal", "motifs"),
    benchmark:
        bench_path("personal", "motifs")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(8000),
        runtime=runtime_scaled(60),
    params:
        cfg=PERS,
    script:
        "../scripts/personal_motifs.py"


rule personal_cnn_train:
    input:
        genes=f"{PERS_RES}/reference_genes.tsv",
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


rule all_personal:
    input:
        study_targets("personal"),
