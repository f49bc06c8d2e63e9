"""Demo inputs of the synthetic_loci study (resources/demo/synthetic_loci/)."""
