"""synthetic_loci study (Ribeiro-dos-Santos & Maurano 2025): Enformer on engineered Sox2-LCR payloads."""
