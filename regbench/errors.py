"""The one error type for bad input: names the file, the record and what was expected."""

from __future__ import annotations

import os


class InputError(ValueError):
    """Bad input file content.

    >>> str(InputError("a.vcf.gz", "chr8:1234", "REF=A (as in the FASTA)", "REF=G"))
    'a.vcf.gz: chr8:1234: expected REF=A (as in the FASTA), found REF=G'
    """

    def __init__(self, file: str | os.PathLike, record: str | None, expected: str, found: str | None = None):
        self.file = str(file)
        self.record = record
        self.expected = expected
        self.found = found
        msg = f"{self.file}: "
        if record:
            msg += f"{record}: "
        msg += f"expected {expected}"
        if found is not None:
            msg += f", found {found}"
        super().__init__(msg)
