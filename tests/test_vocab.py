"""One vocabulary: outcome, subgroup, method and analysis names and their labels are
defined in tkimeta.vocab only, cover everything the configuration can ask for, and
are what plots/ and report/ use."""

import ast
import itertools
import re
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT
from tkimeta import vocab
from tkimeta.plots import ae, contrasts, forest, nma
from tkimeta.report import assets

CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
SCHEMA = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))
LIB = ROOT / "workflow" / "lib" / "tkimeta"

#: Every name the vocabulary labels.
NAMES = (set(vocab.config_outcomes(CONFIG["outcomes"])) | set(vocab.OUTCOME_LABELS) | set(vocab.SUBGROUP_LABELS)
         | set(vocab.METHOD_LABELS) | set(vocab.ANALYSIS_LABELS) | set(vocab.AE_TERM_LABELS)
         | set(vocab.CONTRAST_MEASURES))


def _python_sources():
    paths = sorted((ROOT / "workflow").rglob("*.py"))
    assert len(paths) > 20
    return [p for p in paths if p != LIB / "vocab.py"]


def test_no_label_mapping_outside_the_vocabulary():
    # a dict literal mapping an outcome, subgroup, method, analysis, AE term or contrast
    # measure name to a text is a second definition of its label
    found = []
    for path in _python_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict):
                continue
            for key, value in zip(node.keys, node.values):
                if (isinstance(key, ast.Constant) and key.value in NAMES
                        and isinstance(value, (ast.Constant, ast.JoinedStr))
                        and isinstance(getattr(value, "value", ""), str)):
                    found.append(f"{path.relative_to(ROOT)}:{key.lineno}: {key.value!r}")
    assert found == []


def test_rules_and_scripts_name_no_outcome():
    # which outcomes there are is config.yaml's business; rules and scripts take them from it
    outcomes = set(vocab.config_outcomes(CONFIG["outcomes"]))
    pattern = re.compile(r"""["']([A-Za-z0-9_]+)["']""")
    found = []
    paths = sorted((ROOT / "workflow" / "rules").glob("*.smk")) + sorted((ROOT / "workflow" / "scripts").glob("*.py"))
    paths.append(ROOT / "Snakefile")
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.relative_to(ROOT)}:{number}: {m}" for m in pattern.findall(line) if m in outcomes]
    assert found == []


def test_plots_and_report_use_the_same_objects():
    assert forest.outcome_label is contrasts.outcome_label is assets.outcome_label is vocab.outcome_label
    assert forest.subgroup_label is contrasts.subgroup_label is assets.subgroup_label is vocab.subgroup_label
    assert ae.term_label is vocab.ae_term_label
    assert nma.POPULATION_LABELS["liver_met"] == vocab.SUBGROUP_LABELS["liver_met"]
    assert nma.POPULATION_LABELS["all"] == vocab.SUBGROUP_LABELS["all"]
    for module in (forest, contrasts, assets):
        for name in ("OUTCOME_LABELS", "SUBGROUP_LABELS", "METHOD_LABELS", "SUBGROUP_ORDER"):
            assert not hasattr(module, name) or getattr(module, name) is getattr(vocab, name), (module.__name__, name)


def _not_a_fallback(outcome):
    label = vocab.outcome_label(outcome)
    return bool(label) and label != outcome.replace("_", " ") and "_" not in label


def test_every_configured_outcome_has_a_kind_scale_and_label():
    by_kind = vocab.outcomes_by_kind(CONFIG["outcomes"])
    assert list(by_kind) == list(vocab.OUTCOME_KINDS)
    for kind, outcomes in by_kind.items():
        for outcome in outcomes:
            assert vocab.outcome_kind(outcome) == kind, outcome
            assert vocab.outcome_scale(outcome) in vocab.SCALES, outcome
            assert _not_a_fallback(outcome), (outcome, vocab.outcome_label(outcome))
    labels = [vocab.outcome_label(o) for o in vocab.config_outcomes(CONFIG["outcomes"])]
    assert len(set(labels)) == len(labels)  # no two outcomes read the same


def test_every_outcome_the_schema_allows_has_a_label():
    outcomes = SCHEMA["properties"]["outcomes"]["properties"]
    assert list(outcomes) == list(vocab.OUTCOME_KINDS)
    names = []
    for kind in ("response", "adverse_events", "medians"):
        names += outcomes[kind]["items"]["enum"]
    # contrasts: ^(HR|RoM)_(PFS|OS)_liver$|^OR_(ORR|DCR|CBR)_liver$
    contrast = re.compile(outcomes["contrasts"]["items"]["pattern"])
    candidates = [f"{m}_{e}_liver" for m, e in itertools.product(vocab.CONTRAST_MEASURES, ["PFS", "OS", "ORR", "DCR", "CBR"])]
    names += [c for c in candidates if contrast.match(c)]
    names += ["landmark_DoR_3m", "AE_some_new_term", "AE_some_new_term_grade3plus"]
    for name in names:
        assert vocab.outcome_kind(name) is not None, name
        assert _not_a_fallback(name), (name, vocab.outcome_label(name))


def test_labels_composed_as_the_report_prints_them():
    assert vocab.outcome_label("AE_hand_foot_skin_reaction_grade3plus") == "Hand-foot skin reaction, grade 3 or higher"
    assert vocab.outcome_label("landmark_OS_24m") == "OS rate at 24 months"
    assert vocab.outcome_label("OR_DCR_liver") == "Odds ratio of disease control, liver metastasis vs none"
    assert vocab.outcome_label("RoM_PFS_liver") == "Ratio of median PFS, liver metastasis vs none"
    assert vocab.analysis_label(vocab.leave_one_out("anlo_sts")) == "without anlo_sts"
    assert vocab.analysis_label("crc_only") == "CRC studies only"
    assert vocab.subgroup_label("liver_met") == "Liver metastases"


def test_methods_and_method_sets_match_the_schema():
    pooling = SCHEMA["properties"]["pooling"]["properties"]
    for method_set in vocab.METHOD_SETS:
        section = pooling[method_set]["properties"]
        assert tuple(section["primary"]["enum"]) == vocab.SET_METHODS[method_set]
        assert tuple(section["sensitivity"]["items"]["enum"]) == vocab.SET_METHODS[method_set]
    every = set(itertools.chain.from_iterable(vocab.SET_METHODS.values()))
    assert set(vocab.METHOD_LABELS) == set(vocab.METHOD_ABBREVIATIONS) == set(vocab.METHOD_DESCRIPTIONS) == every
    assert tuple(pooling["sensitivity_analyses"]["items"]["enum"]) == vocab.SENSITIVITY_ANALYSES


def test_kinds_families_method_sets_and_subgroups_fit_together():
    assert set(vocab.KIND_FAMILY) == set(vocab.KIND_SCALE) == set(vocab.OUTCOME_KINDS)
    assert set(vocab.KIND_FAMILY.values()) == set(vocab.FAMILIES) == set(vocab.FAMILY_METHOD_SET)
    assert set(vocab.FAMILY_METHOD_SET.values()) == set(vocab.METHOD_SETS)
    assert set(vocab.KIND_SCALE.values()) == set(vocab.SCALES)
    assert sorted(vocab.SUBGROUPS) == sorted(vocab.SUBGROUP_DISPLAY_ORDER) == sorted(vocab.SUBGROUP_LABELS)
    assert set(vocab.LIVER_SUBGROUPS) | {vocab.OVERALL} == set(vocab.SUBGROUPS)


@pytest.mark.parametrize("heavy", ["pandas", "numpy", "matplotlib"])
def test_vocabulary_is_pure(heavy):
    # Snakemake imports it at parse time
    code = f"import sys; import tkimeta.vocab; sys.exit({heavy!r} in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={"PYTHONPATH": str(LIB.parent)})
    assert result.returncode == 0, f"tkimeta.vocab imports {heavy}"
