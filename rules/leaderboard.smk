"""Leaderboard (issue 10, "Bring your own model"): rules only; input functions live in
rules/common/leaderboard.smk.

card -> (accessibility: no rule here - a qualified card is a model of the study's own acc_train
(mode train) + acc_evaluate (train or readout: a pretrained model's declared tracks, no training)
in the experiment "cards" -> results/accessibility/evals/cards/<model>/evaluations.tsv, see
rules/accessibility.smk), (dream: no rule here - a qualified card is a model of the study's own
dream_train + dream_model_score, see rules/dream.smk), (personal: the study's own rules, model = the
card: personal_predict, personal_gene_stats, personal_ism, personal_drivers ->
results/personal/models/<model>/, see rules/personal.smk) and (synthetic_loci: the study's own
rules, model = the card: synthetic_loci_predict_pretrained + synthetic_loci_model_activity
-> results/synthetic_loci/metrics/<model>/activity_correlation.tsv) -> results/leaderboard/<model>/scores.tsv
-> results/leaderboard/index.html + leaderboard.tsv (user models next to the reference models)."""


wildcard_constraints:
    lbmodel=lb_models_regex(),


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
