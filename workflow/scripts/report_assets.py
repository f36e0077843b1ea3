"""Rule report_assets: the numbers (variables) and tables the report lays out."""

from pathlib import Path

import pandas as pd
import yaml

from tkimeta.certainty import summary_of_findings
from tkimeta.pooling.denominators import denominator_sensitivity, response_measures
from tkimeta.io import read_text_csv, write_text
from tkimeta.report import assets as A
from tkimeta.report import audit_assets as AA
from tkimeta.report import large as L
from tkimeta.report import prose as P
from tkimeta.scripting import run
from tkimeta.vocab import SUBGROUP_DISPLAY_ORDER


def main(smk, log):
    i = smk.input
    estimates = pd.read_csv(i.estimates)
    tests = pd.read_csv(i.tests)
    inputs = pd.read_csv(i.inputs, keep_default_na=False, na_values=[""])
    audit, summary = read_text_csv(i.audit), pd.read_csv(i.audit_summary)
    corrections = read_text_csv(i.corrections)
    characteristics, baseline = read_text_csv(i.characteristics), read_text_csv(i.baseline)
    rob = read_text_csv(i.risk_of_bias)
    import hashlib

    config = {**smk.params.config, "_digest": hashlib.sha256(Path(i.config).read_bytes()).hexdigest()}
    primary = smk.params.primary_methods
    outcomes = list(dict.fromkeys(estimates["outcome"]))
    main_outcomes, liver_outcomes = smk.params.main_outcomes, smk.params.liver_outcomes

    variables = A.build_variables(estimates, tests, summary, audit, corrections, inputs, characteristics, primary, config)
    findings, findings_summary = read_text_csv(i.findings), pd.read_csv(i.findings_summary)
    variables["findings"] = AA.finding_variables(findings_summary)
    labels = {s: entry["label"] for s, entry in config["studies"].items()}
    write_text(yaml.safe_dump(variables, sort_keys=True, allow_unicode=True), smk.output.variables)

    sizes = A.study_sizes(characteristics)
    certainty = (summary_of_findings(estimates, config["certainty"]["outcomes"], primary, rob, sizes, config)
                if "certainty" in config else [])
    grade, grade_notes = A.grade_table(certainty)
    pooled_ids = [s for s, c in config["studies"].items() if c["role"] == "single_arm"]
    denominators = denominator_sensitivity(
        read_text_csv(i.response_counts), pooled_ids, response_measures(config["outcomes"]["response"]),
        config["pooling"]["proportions"]["primary"], config["pooling"]["ci_level"],
        config["pooling"]["min_k_prediction_interval"], config["pooling"]["proportions"]["glmm_quadrature_points"])
    # above L.MAX_LISTED_STUDIES studies, per-study tables are summarised (tkimeta/report/large.py)
    large = L.is_large(len(config["studies"]))
    sensitivity_caption = "Colorectal-only and leave-one-out analyses (primary method)"
    if large:
        denominators = L.shorten_used(denominators)
        sensitivity = L.sensitivity_summary(estimates, primary, main_outcomes + liver_outcomes)
        sensitivity_caption = L.sensitivity_caption(sensitivity_caption)
    else:
        sensitivity = A.sensitivity_table(estimates, primary, main_outcomes + liver_outcomes)
    tables = {
        "studies": (A.studies_table(characteristics, baseline, config), "Included papers", "tbl-studies", None),
        "audit_summary": (A.audit_summary_table(summary), "Audit checks by paper and status", "tbl-audit-summary", None),
        "findings": (A.findings_table(audit), "Every discrepancy the audit found", "tbl-findings", [8, 14, 18, 12, 48]),
        "audit_findings_summary": (AA.findings_summary_table(findings_summary, labels),
                                   "Checks and findings by paper: a finding is one reported quantity whose checks are "
                                   "not all consistent, classified and ranked by what it can affect",
                                   "tbl-findings-summary", [17, 7, 8, 7, 7, 8, 8, 8, 6, 8, 9, 7]),
        "audit_findings": (AA.findings_report_table(findings, labels),
                           "Every finding, most urgent first (touches a pooled input, could change a conclusion, "
                           "cosmetic)", "tbl-audit-findings", [9, 10, 10, 14, 20, 37]),
        "corrections": (AA.corrections_report_table(corrections, audit), "Repairs of OCR-damaged digits (oesophageal paper)",
                        "tbl-corrections", [24, 7, 7, 7, 55]),
        "pooled": (A.pooled_table(estimates, primary, [o for o in outcomes if o not in liver_outcomes], inputs=inputs),
                   "Pooled estimates, primary analysis (all patients); a single study as printed", "tbl-pooled", None),
        "liver": (A.pooled_table(estimates, primary, main_outcomes + liver_outcomes, subgroups=SUBGROUP_DISPLAY_ORDER,
                                 inputs=inputs),
                  "Outcomes by liver-metastasis status and within-study contrasts; a single study as printed",
                  "tbl-liver", None),
        "subgroup_tests": (A.subgroup_test_table(tests, primary), "Tests for subgroup differences (liver metastasis vs none)",
                           "tbl-subgroup-tests", None),
        "methods": (A.methods_table(estimates, main_outcomes + liver_outcomes, primary),
                    "Primary analysis under each pooling method (all patients), with the scale of tau²",
                    "tbl-methods", None),
        "tumour_types": (A.tumour_type_table(estimates, inputs, primary, main_outcomes, config),
                         "Results by tumour type, where the pooled studies mix tumour types (primary method)",
                         "tbl-tumour-types", None),
        "sensitivity": (sensitivity, sensitivity_caption, "tbl-sensitivity", None),
        "inputs": (A.inputs_table(inputs, main_outcomes + liver_outcomes), "What each study contributes, and from where",
                   "tbl-inputs", [16, 10, 9, 15, 50]),
        "denominators": (A.denominator_table(denominators, config["pooling"]["response_denominator"]),
                         "Pooled response rates under each denominator convention (primary method)", "tbl-denominators",
                         [14, 26, 5, 18, 37]),
        "ae_definitions": (A.ae_definitions_table(characteristics, config, read_text_csv(i.adverse_events), inputs),
                           "Adverse-event definitions as each paper prints them, and what each contributes to the "
                           "pooled rates", "tbl-ae-definitions", None),
        "minors": (A.minors_table(rob, config), "MINORS appraisal of the single-arm studies (items D1-D8, 0-2 each)",
                   "tbl-minors", None),
        "minors_reasons": (A.minors_reasons_table(rob), "Each MINORS judgement with its reason and the passage it rests on",
                           "tbl-minors-reasons", [9, 20, 6, 30, 35]),
        "grade": (grade, "GRADE summary of findings (primary analysis, all patients); numbers in brackets refer to the notes below",
                  "tbl-grade", None),
        "versions": (A.versions_table(smk.params.versions), "Software versions", "tbl-versions", None),
    }
    for name, (frame, caption, label, widths) in tables.items():
        if large:
            frame, caption, widths = L.summarise(name, frame, caption, widths)
        text = A.markdown_table(frame, caption, label, widths)
        if name in ("pooled", "liver"):
            text += "\n" + A.DERIVED_FOOTNOTE + "\n"
        write_text(text, getattr(smk.output, name))
    write_text("```yaml\n" + Path(smk.input.config).read_text(encoding="utf-8") + "```\n", smk.output.config)
    conclusions = P.liver_conclusions(estimates, liver_outcomes, primary, config, sizes)
    prose = {
        "bottom_line": P.bottom_line(conclusions, config, sizes, {f["outcome"]: f["certainty"] for f in certainty}),
        "conclusions": P.conclusions_section(conclusions),
        "evidence": P.evidence_text(config, sizes),
        "liver_intro": P.liver_intro(estimates, liver_outcomes, config),
        "study_references": (L.references_note(len(config["studies"])) if large
                             else A.study_references(characteristics, config)),
        "grade_notes": A.footnotes_markdown(grade_notes) if certainty else "No certainty rules are configured (config.yaml `certainty`).\n",
    }
    for name, text in prose.items():
        write_text(text, getattr(smk.output, name))
    log.info("%d variables groups, %d tables", len(variables), len(tables))


run(snakemake, main)  # noqa: F821
