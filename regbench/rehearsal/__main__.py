"""``python -m regbench.rehearsal run [--cores 2] [--studies ...] [--keep-going]``."""

import sys

from regbench.rehearsal.driver import main

if __name__ == "__main__":
    sys.exit(main())
