"""Adapter: the checksum source of every configured download, and the unverified ones (rule downloads_checksums)."""

from regbench.data.checksums import write_checksum_tables
from regbench.workflow import script_run

with script_run(snakemake) as log:
    rows = write_checksum_tables(snakemake.params.downloads, snakemake.output.table, snakemake.output.unverified)
    log.info("%d downloads, %d unverified", len(rows), sum(not r["verify"] for r in rows))
