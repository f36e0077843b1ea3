"""Every rule declares, as inputs, every library module its script runs.

Snakemake reruns a job when its script changes but not when a module the script imports
changes, so each rule's code inputs are derived from the script's imports
(tkimeta.code_inputs). These tests hold what Snakemake really declares for each rule
against what Python's own modulefinder says the script imports, and show that the check
fails when a rule's inputs leave out a module its script imports.
"""

import json
import modulefinder
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, copy_workflow

from tkimeta.code_inputs import code_inputs

DECLARED_INPUTS = ROOT / "tests" / "tools" / "declared_inputs.py"


def declared_inputs(workdir: Path) -> dict:
    """Each rule's script and declared input files, as Snakemake parses the workflow."""
    result = subprocess.run([sys.executable, str(DECLARED_INPUTS)], cwd=workdir, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def imported_library_files(script: Path, lib_dir: Path) -> set[str]:
    """The tkimeta modules ``script`` imports, transitively, as modulefinder finds them."""
    finder = modulefinder.ModuleFinder(path=[str(lib_dir)])  # only the library: others fail quietly
    finder.run_script(str(script))
    return {str(Path(m.__file__).resolve()) for name, m in finder.modules.items()
            if name.split(".")[0] == "tkimeta" and m.__file__}


def undeclared_modules(workdir: Path) -> dict[str, set[str]]:
    """Rule -> library modules its script imports that the rule does not declare."""
    lib_dir = workdir / "workflow" / "lib"
    missing = {}
    for rule, entry in declared_inputs(workdir).items():
        imported = imported_library_files(Path(entry["script"]), lib_dir)
        lacking = imported - set(entry["inputs"])
        if lacking:
            missing[rule] = {str(Path(p).relative_to(lib_dir)) for p in lacking}
    return missing


def test_every_rule_declares_every_module_its_script_imports():
    assert undeclared_modules(ROOT) == {}


def test_derived_inputs_match_modulefinder_for_every_script():
    lib_dir = ROOT / "workflow" / "lib"
    for script in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        derived = {str(Path(p).resolve()) for p in code_inputs(script, lib_dir / "tkimeta") if p.endswith(".py")}
        assert derived == imported_library_files(script, lib_dir), script.name


def test_data_files_beside_a_module_are_inputs():
    derived = code_inputs(ROOT / "workflow" / "scripts" / "report_render.py", ROOT / "workflow" / "lib" / "tkimeta")
    assert any(p.endswith(".lua") for p in derived), derived


def test_inputs_are_relative_so_a_moved_copy_does_not_rerun():
    entry = code_inputs(ROOT / "workflow" / "scripts" / "pool.py", Path("workflow/lib/tkimeta"))
    assert entry and all(not Path(p).is_absolute() and p.startswith("workflow/lib/tkimeta/") for p in entry)


def test_the_check_fails_when_a_rule_does_not_declare_an_import(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    pool = workdir / "workflow" / "rules" / "pool.smk"
    text = pool.read_text()
    # A hand-kept list that leaves out what the script reaches (stats/, pooling/).
    hand_kept = 'code=["workflow/lib/tkimeta/io.py", "workflow/lib/tkimeta/scripting.py"],'
    text, n = re.subn(r'code=code_of\("pool\.py"\),', hand_kept, text)
    assert n == 1
    pool.write_text(text)
    missing = undeclared_modules(workdir)
    assert set(missing) == {"pool"}
    assert "tkimeta/pooling/analysis.py" in missing["pool"]
    assert "tkimeta/stats/rma.py" in missing["pool"]


def test_an_import_added_to_a_script_becomes_an_input(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    script = workdir / "workflow" / "scripts" / "evidence_changelog.py"
    script.write_text("import tkimeta.plots.nma  # noqa: F401\n" + script.read_text())
    declared = declared_inputs(workdir)["evidence_changelog"]["inputs"]
    assert str((workdir / "workflow/lib/tkimeta/plots/nma.py").resolve()) in declared
    assert undeclared_modules(workdir) == {}


@pytest.mark.parametrize("statement, expected", [
    ("from tkimeta.stats import rma\n", "stats/rma.py"),
    ("def f():\n    from tkimeta.stats.glmm import glmm_logit\n", "stats/glmm.py"),
    ("from tkimeta.stats import (\n    distributions,  # comment\n    rma,\n)\n", "stats/distributions.py"),
    ("import os, tkimeta.pooling.inputs as inputs\n", "pooling/inputs.py"),
])
def test_import_forms_are_read(tmp_path, statement, expected):
    script = tmp_path / "script.py"
    script.write_text(statement)
    derived = code_inputs(script, ROOT / "workflow" / "lib" / "tkimeta")
    assert str(ROOT / "workflow" / "lib" / "tkimeta" / expected) in derived
