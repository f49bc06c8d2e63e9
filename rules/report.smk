"""Report assembly: every figure is a report() output of its study module; this module adds the
metrics tables index so `snakemake --report results/report.html` also links the tables."""
