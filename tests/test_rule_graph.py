"""The rule graph drawn in the report is the one Snakemake itself reports."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import ROOT
from workflow_run import SNAKEMAKE, copy_workflow, snakemake_env

_NODE = re.compile(r'^\s*(\d+)\[label = "([^"]+)"', re.MULTILINE)
_EDGE = re.compile(r"^\s*(\d+)\s*->\s*(\d+)", re.MULTILINE)


def _snakemake_rulegraph(workdir) -> tuple[list[str], list[list[str]]]:
    dot = subprocess.run([SNAKEMAKE, "--rulegraph", "--forceall", "--nolock", "--quiet", "all"], cwd=workdir,
                         capture_output=True, text=True, check=True, env=snakemake_env()).stdout
    names = dict(_NODE.findall(dot))
    edges = sorted([names[a], names[b]] for a, b in _EDGE.findall(dot))
    return sorted(names.values()), edges


def _derived(workdir) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "tools" / "rule_graph.py")], cwd=workdir,
                         capture_output=True, text=True, check=True, env=snakemake_env()).stdout
    return json.loads(out)


def test_rule_graph_from_the_parsed_rules_is_snakemakes(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    rules, edges = _snakemake_rulegraph(workdir)
    derived = _derived(workdir)
    assert derived["rules"] == rules
    assert sorted(derived["edges"]) == edges
    assert ["pool", "figures_forest"] in edges  # and the graph is not empty


def test_a_new_dependency_shows_in_the_derived_graph(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    rules = workdir / "workflow" / "rules" / "figures.smk"
    text = rules.read_text()
    # figure_flow now also reads the audit findings
    text, n = re.subn(r'(rule figure_flow:\n    input:\n)', r'\1        findings="results/audit/findings.csv",\n', text)
    assert n == 1
    rules.write_text(text)
    assert ["audit_findings", "figure_flow"] in _derived(workdir)["edges"]
    assert sorted(_derived(workdir)["edges"]) == _snakemake_rulegraph(workdir)[1]
