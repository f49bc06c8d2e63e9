"""The demo world (config/config.yaml): generated deterministically from config['seed'] under
resources/demo/. The core world (genome, tracks, genes) is here; each study's demo inputs are in
rules/demo/<study>.smk."""
include: "demo/accessibility.smk"
include: "demo/personal.smk"
include: "demo/synthetic_loci.smk"
include: "demo/dream.smk"
