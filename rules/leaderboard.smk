"""Leaderboard (issue 10, "Bring your own model"): rules only; input functions live in
rules/common/leaderboard.smk.

card -> (accessibility: no rule here - a qualified card is a model of the study's own acc_train
(mode train) + acc_evaluate (train or readout: a pretrained model's declared tracks, no training)
in the experiment "cards" -> results/accessibility/evals/cards/<model>/evaluations.tsv, see
rules/accessibility.smk), (dream: no rule here - a qualified card is a model of the study's own
dream_train + dream_model_score, see rules/dream.smk), (personal: a pretrained model's readout through the study's
haplotype pipeline + gene statistics + the study's ISM/driver analysis) and (synthetic_loci: the
study's own rules, model = the card: synthetic_loci_predict_pretrained + synthetic_loci_model_activity
-> results/synthetic_loci/metrics/<model>/activity_correlation.tsv) -> results/leaderboard/<model>/scores.tsv
-> results/leaderboard/index.html + leaderboard.tsv (user models next to the reference models)."""


wildcard_constraints:
    lbmodel=lb_models_regex(),


rule lb_personal_predict:
    input:
        unpack(lb_personal_predict_inputs),
    output:
        f"{LB_RES}/{{lbmodel}}/personal/predictions.tsv",
    log:
        log_path("leaderboard", "{lbmodel}/personal_predict"),
    benchmark:
        bench_path("leaderboard", "{lbmodel}/personal_predict")
    conda:
        "../envs/torch.yaml"
    threads: 2
    resources:
        gpu=1,
        cpus_per_gpu=2,
        mem_mb=mem_mb_scaled(32000),
        runtime=runtime_scaled(240),
    params:
        card=lb_card,
        cfg=config["personal"],
    script:
        "../scripts/leaderboard_personal_predict.py"


rule lb_personal_stats:
    input:
        unpack(lb_personal_stats_inputs),
    output:
        stats=f"{LB_RES}/{{lbmodel}}/personal/gene_stats.tsv",
        individual=f"{LB_RES}/{{lbmodel}}/personal/individual_predictions.tsv",
        significance=f"{LB_RES}/{{lbmodel}}/personal/significance.tsv",
        predixcan=f"{LB_RES}/{{lbmodel}}/personal/predixcan.tsv",
    log:
        log_path("leaderboard", "{lbmodel}/personal_stats"),
    benchmark:
        bench_path("leaderboard", "{lbmodel}/personal_stats")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(16000),
        runtime=runtime_scaled(60),
    params:
        cfg=config["personal"],
    script:
        "../scripts/leaderboard_personal_stats.py"


rule lb_personal_ism:
    input:
        unpack(lb_personal_ism_inputs),
    output:
        f"{LB_RES}/{{lbmodel}}/personal/ism/chunk{{chunk}}.tsv",
    log:
        log_path("leaderboard", "{lbmodel}/personal_ism_{chunk}"),
    benchmark:
        bench_path("leaderboard", "{lbmodel}/personal_ism_{chunk}")
    conda:
        "../envs/torch.yaml"
    threads: 4
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=mem_mb_scaled(32000),
        runtime=runtime_scaled(240),
    params:
        card=lb_card,
        cfg=config["personal"],
    script:
        "../scripts/leaderboard_personal_ism.py"


rule lb_personal_drivers:
    input:
        unpack(lb_personal_drivers_inputs),
    output:
        snvs=f"{LB_RES}/{{lbmodel}}/personal/snvs.tsv",
        drivers=f"{LB_RES}/{{lbmodel}}/personal/drivers.tsv",
        backward=f"{LB_RES}/{{lbmodel}}/personal/drivers_backward.tsv",
        support=f"{LB_RES}/{{lbmodel}}/personal/driver_support.tsv",
        summary=f"{LB_RES}/{{lbmodel}}/personal/summary_drivers.tsv",
    log:
        log_path("leaderboard", "{lbmodel}/personal_drivers"),
    benchmark:
        bench_path("leaderboard", "{lbmodel}/personal_drivers")
    conda:
        "../envs/regbench.yaml"
    resources:
        mem_mb=mem_mb_scaled(16000),
        runtime=runtime_scaled(120),
    params:
        cfg=config["personal"],
    script:
        "../scripts/leaderboard_personal_drivers.py"


rule lb_scores:
    input:
        unpack(lb_score_inputs),
    output:
        scores=f"{LB_RES}/{{lbmodel}}/scores.tsv",
        pdf=f"{LB_RES}/{{lbmodel}}/scores.pdf",
        png=f"{LB_RES}/{{lbmodel}}/scores.png",
    log:
        log_path("leaderboard", "{lbmodel}/scores"),
    benchmark:
        bench_path("leaderboard", "{lbmodel}/scores")
    conda:
        "../envs/regbench.yaml"
    params:
        card=lb_card,
        studies=LB_STUDY_CFG,
    script:
        "../scripts/leaderboard_scores.py"


rule lb_page:
    input:
        **lb_page_inputs(),
    output:
        html=f"{LB_RES}/index.html",
        tsv=f"{LB_RES}/leaderboard.tsv",
        pdf=f"{LB_RES}/headlines.pdf",
        png=f"{LB_RES}/headlines.png",
    log:
        log_path("leaderboard", "page"),
    localrule: True
    conda:
        "../envs/regbench.yaml"
    params:
        models=list(LB_CARDS),
        descriptions={n: c.get("description", "") for n, c in LB_CARDS.items()},
        references=lb_reference_stamp(),
    script:
        "../scripts/leaderboard_page.py"


rule leaderboard:
    input:
        f"{LB_RES}/index.html",
        f"{LB_RES}/leaderboard.tsv",
    localrule: True
