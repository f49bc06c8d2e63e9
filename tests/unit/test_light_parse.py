"""Light parse: parsing the Snakefile imports, from regbench code and the rules, only the standard
library, yaml and Snakemake's own schema validators (docs/architecture.md, "Light parse").

Every Snakemake job parses the whole workflow again (1.2-1.6 s per job on a cluster node when
rules/common/dream.smk pulled pandas and scipy in to read one constant). The parse runs in a
subprocess with ``builtins.__import__`` wrapped: every import statement executed by a file under
``regbench/`` or by a ``.smk`` file / the Snakefile is recorded with its importer, so a module that
Snakemake itself has already loaded (its slurm plugin imports pandas) still counts when our code
imports it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

#: third-party top-level modules regbench code may import at parse time: yaml (configs, claims),
#: Snakemake (rules/common.smk), jsonschema + referencing (schema validation, Snakemake's own deps)
ALLOWED = {"regbench", "yaml", "snakemake", "jsonschema", "referencing"}
#: must not even be loaded by the parse (Snakemake itself never imports them)
NEVER_LOADED = ("scipy", "torch", "h5py", "matplotlib", "sklearn", "pyBigWig")

PROBE = textwrap.dedent(
    """
    import builtins, importlib, json, os, sys
    from pathlib import Path

    root = os.getcwd()
    seen = {}

    def record(name, frame):
        f = frame.f_code.co_filename
        if f.startswith(root) and ("/regbench/" in f or f.endswith(".smk") or f.endswith("Snakefile")):
            seen.setdefault(name.split(".")[0], set()).add(os.path.relpath(f, root))

    _import, _import_module = builtins.__import__, importlib.import_module

    def hooked_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            record(name, sys._getframe(1))
        return _import(name, globals, locals, fromlist, level)

    def hooked_import_module(name, package=None):
        if not name.startswith("."):
            record(name, sys._getframe(1))
        return _import_module(name, package)

    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    configfiles = [Path(p) for p in sys.argv[1:]]
    builtins.__import__, importlib.import_module = hooked_import, hooked_import_module
    try:
        with SnakemakeApi(OutputSettings()) as api:
            wf = api.workflow(resource_settings=ResourceSettings(cores=1), snakefile=Path("Snakefile"),
                              workdir=Path("."), config_settings=ConfigSettings(configfiles=configfiles))
            n_rules = len(list(wf._workflow.rules))
    finally:
        builtins.__import__, importlib.import_module = _import, _import_module
    third = {k: sorted(v) for k, v in seen.items() if k not in sys.stdlib_module_names}
    print(json.dumps({"imports": third, "loaded": sorted(m for m in sys.modules if "." not in m),
                      "n_rules": n_rules}))
    """
)


@pytest.mark.parametrize("configfiles", [[], ["config/paper.yaml"]], ids=["demo", "paper"])
def test_parse_imports_only_stdlib_yaml_and_snakemake(configfiles):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-c", PROBE, *configfiles], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["n_rules"] > 50, out["n_rules"]  # the whole workflow was parsed
    # the hook sees our imports (regbench's own, yaml) - else the check below could not fail
    assert {"regbench", "yaml"} <= set(out["imports"]), out["imports"]
    heavy = {k: v for k, v in out["imports"].items() if k not in ALLOWED}
    assert not heavy, f"parse-time imports beyond the standard library and yaml (module: importers): {heavy}"
    loaded = sorted(set(NEVER_LOADED) & set(out["loaded"]))
    assert not loaded, f"modules loaded while parsing the Snakefile: {loaded}"


#: modules most jobs import at start-up (the correlation function, the panels' draw modules, the
#: personal study's statistics) and the heavy modules they defer to the functions that use them:
#: scipy.stats alone costs about 1 s in every job that imports it (measured: an adapter importing
#: personal.significance 0.95 s -> 0.5 s without it)
JOB_START_MODULES = ["regbench.metrics.correlation", "regbench.studies.personal.significance",
                     "regbench.studies.personal.drivers", "regbench.studies.personal.motifs",
                     "regbench.studies.dream.preprocess", "regbench.studies.accessibility.figures",
                     "regbench.studies.personal.figures", "regbench.studies.dream.figures",
                     "regbench.studies.synthetic_loci.figures", "regbench.panels"]


@pytest.mark.parametrize("module", JOB_START_MODULES)
def test_job_start_modules_defer_scipy_stats_and_torch(module):
    probe = (f"import sys, {module}; print(' '.join(m for m in ('scipy.stats', 'torch', 'sklearn') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "", f"importing {module} loads {res.stdout.strip()}"
