"""Leaderboard (issue 10, "Bring your own model"): rules only; input functions live in
rules/common/leaderboard.smk.

card -> (accessibility: train with the study's trainer + the study's evaluations),
(accessibility readout: a pretrained model's declared tracks, no training), (dream: no rule here -
a qualified card is a model of the study's own dream_train + dream_model_score, see
rules/dream.smk), (personal: the study's own rules, model = the card: personal_predict,
personal_gene_stats, personal_ism, personal_drivers -> results/personal/models/<model>/, see
rules/personal.smk) and (synthetic_loci: the study's own rules, model = the card:
synthetic_loci_predict_pretrained + synthetic_loci_model_activity
-> results/synthetic_loci/metrics/<model>/activity_correlation.tsv) -> results/leaderboard/<model>/scores.tsv
-> results/leaderboard/index.html + leaderboard.tsv (user models next to the reference models)."""


wildcard_constraints:
    lbmodel=lb_models_regex(),


rule lb_acc_train:
    input:
        unpack(lb_acc_train_inputs),
    output:
        model=f"{LB_RES}/{{lbmodel}}/accessibility/model/model.pt",
        spec=f"{LB_RES}/{{lbmodel}}/accessibility/model/spec.json",
    log:
        log_path("leaderboard", "{lbmodel}/acc_train"),
    benchmark:
        bench_path("leaderboard", "{lbmodel}/acc_train")
    conda:
        "../envs/torch.yaml"
    threads: 8
    resources:
        gpu=1,
        cpus_per_gpu=8,
        mem_mb=mem_mb_scaled(64000),
        runtime=runtime_scaled(config["accessibility"].get("train_runtime_min", 120)),
    params:
        card=lb_card,
        cfg=config["accessibility"],
    script:
        "../scripts/leaderboard_acc_train.py"


rule lb_acc_evaluate:
    input:
        unpack(lb_acc_eval_inputs),
    output:
        table=f"{LB_RES}/{{lbmodel}}/accessibility/evaluations.tsv",
        extra=f"{LB_RES}/{{lbmodel}}/accessibility/cagi_variants.tsv",
    log:
        log_path("leaderboard", "{lbmodel}/acc_evaluate"),
    benchmark:
        bench_path("leaderboard", "{lbmodel}/acc_evaluate")
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
        evaluations=lb_acc_evaluation_list,
        cfg=config["accessibility"],
        datasets=acc_eval_datasets(),
    script:
        "../scripts/leaderboard_acc_evaluate.py"


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
    benchmark:
        bench_path("leaderboard", "page")
    localrule: True
    conda:
        "../envs/regbench.yaml"
    params:
        models=list(LB_CARDS),
        descriptions={n: c.get("description", "") for n, c in LB_CARDS.items()},
    script:
        "../scripts/leaderboard_page.py"


rule leaderboard:
    input:
        leaderboard_targets(),
    localrule: True
