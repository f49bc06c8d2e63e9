"""Demo inputs of the dream study (resources/demo/dream/): random promoters with a planted motif
grammar in the official DREAM file layouts, plus Drosophila- and human-like follow-up sets."""


rule dream_demo_data:
    output:
        train="resources/demo/dream/train_sequences.txt",
        test_labels="resources/demo/dream/filtered_test_data_with_MAUDE_expression.txt",
        subsets=dream_subset_files("resources/demo/dream/test_subset_ids"),
        public_ids=dream_public_files("resources/demo/dream/public_leaderboard_ids"),
        plasmid="resources/demo/dream/plasmid.json",
        truth="resources/demo/dream/truth.json",
        truth_pairs="resources/demo/dream/truth_pairs.tsv",
        drosophila=directory("resources/demo/dream/drosophila"),
        human=directory("resources/demo/dream/human_mpra"),
    log:
        "logs/dream/demo_data.log",
    benchmark:
        "benchmarks/rules/dream/demo_data.tsv"
    conda:
        "../../envs/regbench.yaml"
    params:
        seed=config["seed"],
        n_train=config["dream"].get("demo_n_train", 3000),
        n_test=config["dream"].get("demo_n_test", 300),
    script:
        "../../scripts/dream_demo_data.py"
