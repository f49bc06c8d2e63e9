"""synthetic_loci input contract: the validator accepts files in the authors' layouts and rejects
malformed variants with a message naming the file, the record and what was expected."""

from __future__ import annotations

import re

import pytest

from regbench.genome.fasta import Genome
from regbench.studies.synthetic_loci.contract import ContractError, run_validate, validate_inputs

CLASS_MAP = {"WT": "reference", "deletion": "deletion", "inversion": "inversion"}
REGION = {"chrom": "chr3", "start": 200, "end": 260}
PAYLOADS = {"Sox2LCR_WT": "ACGT" * 15, "Sox2LCR_del1": "ACGT" * 10, "Sox2LCR_inv1": "TGCA" * 15}


def write_inputs(d, table=None, fasta=None, bed=None, acc=None, regions=None, genome_seq=None):
    """A valid set of inputs in the authors' layouts; each argument replaces one file's text."""
    f = {k: d / n for k, n in [("table_s4", "Brosh2023_TableS4.tsv"), ("payload_fasta", "Brosh2023_Payload.fasta"),
                                 ("dhs_bed", "Sox2_DistalLCR.bed"), ("accessibility", "accessibility.tsv"),
                                 ("retained_regions", "sequences.bed"), ("genome", "mm10.fa")]}
    f["table_s4"].write_text(table or (
        "MenDel.Name\tgroups\tfoldchange\tactivity\n"
        "Sox2LCR~WT\tWT\t1.0\t1.00\nSox2LCR~WT\tWT\t1.1\t1.02\n"
        "Sox2LCR~del1\tdeletion\t0.5\t0.40\nSox2LCR~del1\tdeletion\tNA\tNA\n"
        "Sox2LCR~inv1\tinversion\t0.2\t0.15\n"))
    f["payload_fasta"].write_text(fasta or "".join(f">{k}\n{v}\n" for k, v in PAYLOADS.items()))
    f["dhs_bed"].write_text(bed or "Sox2LCR_WT\t5\t25\tDHS1\nSox2LCR_WT\t30\t50\tDHS2\nSox2LCR_del1\t5\t25\tDHS1\nSox2LCR_inv1\t10\t30\tDHS2\n")
    f["accessibility"].write_text(acc or "MenDel.Name\tDHS\taccessibility\nSox2LCR~WT\tDHS1\t3.2\nSox2LCR~WT\tDHS2\t1.5\nSox2LCR~del1\tDHS1\t2.9\n")
    f["retained_regions"].write_text(regions or "chr1\t0\t300\ttrain\nchr1\t300\t600\ttest\nchr3\t0\t400\ttest\n")
    f["genome"].write_text(">chr1\n" + "ACGTTGCA" * 100 + "\n>chr3\n" + (genome_seq or "GATTACAG" * 100) + "\n")
    return f


def validate(f, **kw):
    return validate_inputs(f["table_s4"], f["payload_fasta"], f["dhs_bed"], CLASS_MAP, accessibility=f["accessibility"],
                           retained_regions=f["retained_regions"], genome=Genome(f["genome"]), region=REGION,
                           retained_fold="test", **kw)


def test_valid_inputs_pass_and_summarise(tmp_path):
    s = validate(write_inputs(tmp_path)).set_index("input")
    assert s.loc["table_s4", "records"] == 3 and "3 clones" not in s.loc["table_s4", "detail"]
    assert s.loc["table_s4", "detail"].startswith("4 clones")  # the NA clone is skipped
    assert s.loc["payload_fasta", "records"] == 3 and s.loc["dhs_bed", "records"] == 4
    assert s.loc["retained_regions", "records"] == 2  # test fold only
    assert (s["status"] == "ok").all() and s["source"].str.len().gt(10).all()


# (file key, replacement kwargs, regex the message must match: file name, record, expectation)
MALFORMED = [
    ("readme_group_header", dict(table="MenDel.Name\tgroup\tfoldchange\tactivity\nSox2LCR~WT\tWT\t1\t1\n"),
     r"Brosh2023_TableS4\.tsv: header: expected columns .*groups.*README calls it 'group'"),
    ("non_numeric_activity", dict(table="MenDel.Name\tgroups\tfoldchange\tactivity\nSox2LCR~WT\tWT\t1\thigh\n"),
     r"Brosh2023_TableS4\.tsv: row 2 \(Sox2LCR~WT\): expected a number or NA in column activity, found 'high'"),
    ("unknown_class_label", dict(table="MenDel.Name\tgroups\tfoldchange\tactivity\nSox2LCR~WT\tWT\t1\t1\nSox2LCR~inv1\tInv\t1\t0.2\n"),
     r"Brosh2023_TableS4\.tsv: Sox2LCR~inv1: expected a 'groups' label listed in synthetic_loci\.class_map \['WT', 'deletion', 'inversion'\], found 'Inv'"),
    ("two_groups_one_payload", dict(table="MenDel.Name\tgroups\tfoldchange\tactivity\nSox2LCR~WT\tWT\t1\t1\nSox2LCR~WT\tdeletion\t1\t1\n"),
     r"Brosh2023_TableS4\.tsv: Sox2LCR~WT: expected one 'groups' value per MenDel\.Name"),
    ("payload_without_sequence", dict(fasta=">Sox2LCR_WT\n" + "ACGT" * 15 + "\n>Sox2LCR~del1\n" + "ACGT" * 10 + "\n>Sox2LCR_inv1\n" + "TGCA" * 15 + "\n"),
     r"Brosh2023_Payload\.fasta: Sox2LCR_del1: expected a record for Table S4 payload Sox2LCR~del1; close: \['Sox2LCR~del1'\]"),
    ("iupac_base", dict(fasta=">Sox2LCR_WT\n" + "ACGT" * 14 + "ACRT\n>Sox2LCR_del1\n" + "ACGT" * 10 + "\n>Sox2LCR_inv1\n" + "TGCA" * 15 + "\n"),
     r"Brosh2023_Payload\.fasta: Sox2LCR_WT \(line 2\): expected only A, C, G, T, N .*found 'R'"),
    ("duplicate_record", dict(fasta="".join(f">{k}\n{v}\n" for k, v in PAYLOADS.items()) + ">Sox2LCR_WT\nACGT\n"),
     r"Brosh2023_Payload\.fasta: line 7 \(Sox2LCR_WT\): expected unique record names"),
    ("bed_outside_payload", dict(bed="Sox2LCR_WT\t5\t25\tDHS1\nSox2LCR_del1\t30\t45\tDHS2\n"),
     r"Sox2_DistalLCR\.bed: line 2 \(Sox2LCR_del1 DHS2\): expected an interval inside the payload \[0, 40\), found end 45"),
    ("bed_in_genome_coordinates", dict(bed="chr3\t34732878\t34733178\tDHS1\n"),
     r"Sox2_DistalLCR\.bed: line 1 \(chr3\): expected a payload name with a record in .*payload coordinates, not genomic ones"),
    ("bed_three_columns", dict(bed="Sox2LCR_WT\t5\t25\n"),
     r"Sox2_DistalLCR\.bed: line 1: expected 4 tab-separated columns payload_name, start, end, DHS_label"),
    ("bed_empty_interval", dict(bed="Sox2LCR_WT\t25\t25\tDHS1\n"),
     r"Sox2_DistalLCR\.bed: line 1 \(Sox2LCR_WT DHS1\): expected integer 0 <= start < end"),
    ("accessibility_unannotated_dhs", dict(acc="MenDel.Name\tDHS\taccessibility\nSox2LCR~del1\tDHS2\t1.0\n"),
     r"accessibility\.tsv: row 2 \(Sox2LCR~del1 DHS2\): expected a DHS label annotated for that payload"),
    ("accessibility_unknown_payload", dict(acc="MenDel.Name\tDHS\taccessibility\nSox2LCR~dup9\tDHS1\t1.0\n"),
     r"accessibility\.tsv: row 2 \(Sox2LCR~dup9\): expected a MenDel\.Name of Table S4"),
    ("accessibility_columns", dict(acc="name\tDHS\tsignal\nSox2LCR~WT\tDHS1\t1.0\n"),
     r"accessibility\.tsv: header: expected columns \['MenDel\.Name', 'DHS', 'accessibility'\]"),
    ("regions_off_genome", dict(regions="chrUn_random\t0\t100\ttest\n"),
     r"sequences\.bed: chrUn_random: expected a chromosome of the genome"),
    ("regions_without_test_fold", dict(regions="chr1\t0\t300\ttrain\nchr1\t300\t600\tvalid\n"),
     r"sequences\.bed: expected rows of fold 'test' .*found folds \['train', 'valid'\]"),
    ("sox2_region_all_n", dict(genome_seq="N" * 800),
     r"mm10\.fa: chr3:200-260: expected sequence at the replaced region .*found only N"),
]


@pytest.mark.parametrize("case,kw,pattern", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_is_rejected_naming_file_and_record(tmp_path, case, kw, pattern):
    f = write_inputs(tmp_path, **kw)
    with pytest.raises(ContractError) as e:
        validate(f)
    assert re.search(pattern, str(e.value)), str(e.value)


def test_every_problem_is_listed_and_nothing_is_written(tmp_path):
    f = write_inputs(tmp_path, table="MenDel.Name\tgroups\tfoldchange\tactivity\nSox2LCR~WT\tWT\t1\t1\nSox2LCR~x\tWT\t1\t1\n",
                     bed="Sox2LCR_WT\t5\t99\tDHS1\n")
    out = tmp_path / "out" / "contract.tsv"
    with pytest.raises(ContractError) as e:
        run_validate({**{k: str(v) for k, v in f.items()}, "accessibility": ""}, {"class_map": CLASS_MAP, "region": REGION, "retained": {"fold": "test"}}, out)
    assert len(e.value.problems) == 2
    msg = str(e.value)
    assert "Sox2LCR_x: expected a record for Table S4 payload Sox2LCR~x" in msg and "1 more input problem" in msg
    assert "line 1 (Sox2LCR_WT DHS1): expected an interval inside the payload [0, 60), found end 99" in msg
    assert not out.exists()


def test_missing_user_file_names_the_config_key(tmp_path):
    f = write_inputs(tmp_path)
    f["dhs_bed"].unlink()
    with pytest.raises(ContractError, match=r"Sox2_DistalLCR\.bed: expected BED4 in payload coordinates.*set synthetic_loci\.inputs\.dhs_bed\), found no such file"):
        validate(f)


def test_missing_user_files_are_listed_with_how_to_obtain_them(tmp_path):
    f = write_inputs(tmp_path)
    for k in ("table_s4", "payload_fasta"):
        f[k].unlink()
    cfg = {"class_map": CLASS_MAP, "region": REGION, "retained": {"fold": "test"},
           "inputs": {k: str(v) for k, v in f.items()},
           "user_files": {str(f["table_s4"]): "Brosh et al. 2023 Table S4 as TSV (supplement)", str(f["payload_fasta"]): "payload FASTA (Maurano lab)"}}
    with pytest.raises(ContractError) as e:
        run_validate({"genome": str(f["genome"])}, cfg, tmp_path / "c.tsv")
    msg = str(e.value)
    assert f"{f['table_s4']}: expected a user-provided file: Brosh et al. 2023 Table S4 as TSV (supplement), found no such file" in msg
    assert f"{f['payload_fasta']}: expected a user-provided file: payload FASTA (Maurano lab), found no such file" in msg
