"""regbench imports cyvcf2 without changing numpy's floating-point error handling.

``import cyvcf2`` (0.35) sets ``np.seterr(invalid="ignore")`` for the whole process. Once any
code had imported it, a 0/0 no longer warned anywhere in the process, so a test that expects code
to run without a RuntimeWarning passed whatever the code did (mutmut: `errstate` mutants that
survived its runs, whose clean run had read a VCF, and were killed in a fresh process).
Each case runs in a fresh interpreter: cyvcf2's side effect happens only at its first import.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import ROOT


def _invalid_after(code: str) -> str:
    script = "import numpy as np\nassert np.geterr()['invalid'] == 'warn'\n" + textwrap.dedent(code) + "\nprint(np.geterr()['invalid'])\n"
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.strip()


def test_reading_a_vcf_keeps_numpys_error_handling(tmp_path):
    vcf = tmp_path / "x.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=100>\n"
                   '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
                   "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS0\n"
                   "chr1\t5\t.\tA\tC\t.\tPASS\t.\tGT\t0|1\t1|1\n")
    code = f"""
    from regbench.genome.variants import vcf_samples
    assert vcf_samples({str(vcf)!r}) == ["S1", "S0"]  # header order
    """
    assert _invalid_after(code) == "warn"


def test_a_plain_cyvcf2_import_sets_invalid_to_ignore():
    """The premise: if this fails, cyvcf2 stopped doing it and import_cyvcf2 can go."""
    assert _invalid_after("import cyvcf2") == "ignore"
