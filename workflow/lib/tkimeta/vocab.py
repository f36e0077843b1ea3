"""The workflow's vocabulary: outcome, subgroup, method and analysis names, their
display labels, their order and their families, defined once.

pooling/, plots/ and report/ import their names and labels from here, and so do the
Snakemake rules at parse time; so this module is plain Python (no pandas, no
matplotlib). Which outcomes are pooled is config.yaml's business (``outcomes``); this
module says what an outcome name means and how it is labelled.

Terms, each with one meaning:

outcome kind
    The ``outcomes`` list of config.yaml an outcome comes from (:data:`OUTCOME_KINDS`):
    response, adverse_events, ae_terms (each term gives ``AE_<term>`` and
    ``AE_<term>_grade3plus``), medians, landmarks, contrasts.
family
    How a study's data enter the pooling (:data:`FAMILIES`; the ``family`` column of
    results/pooled/inputs.csv): ``proportion`` (events and n), ``logit`` (yi and sei of
    a logit rate) or ``log`` (yi and sei of a log median or a log ratio).
method set
    The section of config.yaml ``pooling`` whose primary and sensitivity methods pool an
    outcome (:data:`METHOD_SETS`): ``proportions`` for the proportion family,
    ``continuous`` (inverse variance on the transformed scale) for logit and log.
scale
    How an outcome's estimates read once back-transformed (:data:`SCALES`; the
    ``scale`` column of results/pooled/estimates.csv): proportion, months or ratio.
subgroup
    The patients a pooled estimate is about (:data:`SUBGROUPS`): all patients, or one
    side of the liver-metastasis split (:data:`LIVER_SUBGROUPS`).
analysis
    The set of studies pooled: ``primary`` (all), ``crc_only`` or ``loo_<study>``
    (leave one out); config.yaml ``pooling.sensitivity_analyses`` switches the last two on.
method
    The pooling model (:data:`METHOD_LABELS`), chosen per method set in config.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# --- subgroups -------------------------------------------------------------------------

#: All patients of a study.
OVERALL = "all"

#: Up to this many studies a table, a figure or a list shows them one by one: the report's
#: per-study tables and the study ids in its text, the study rows of a forest plot, the
#: steps of the cumulative table, the studies of a leave-one-out row. Above it each is
#: summarised and says where every row is (a thousand rows is a file, not a page).
MAX_LISTED_STUDIES = 40
#: The liver-metastasis split (with, without), as the subgroup test compares it.
LIVER_SUBGROUPS = ("liver_met", "no_liver_met")
#: Every subgroup, in the order the pooled results are computed and written.
SUBGROUPS = (OVERALL, *LIVER_SUBGROUPS)
#: Every population token a raw table may use (its ``population`` column): the pooled
#: subgroups and the papers' other subgroups, audited but not pooled. The list is closed
#: so that a typo (``liver_mets``) is refused by validation rather than becoming a
#: subgroup of its own that nothing pools; a paper's new subgroup is added here.
POPULATIONS = frozenset(SUBGROUPS) | frozenset("""
    age_ge60 age_ge_60 age_gt_63 age_lt60 age_lt_60 age_lt_63 anlotinib_10mg anlotinib_12mg asps
    braf_v600e_wild_type camrelizumab combined_radiotherapy_no combined_radiotherapy_yes ecog_0 ecog_0_1
    ecog_1 ecog_1_2 ecog_2 female high_albumin high_cea high_nlr high_risk intermediate_risk left_sided
    liver_limited lms low_albumin low_cea low_nlr low_risk lps lung_met male met_sites_gt3 met_sites_gt_3
    met_sites_le3 met_sites_lt_3 metastatic_sites_1 metastatic_sites_gt_1 mmr_unknown multiple_site
    no_lung_met no_prior_anti_egfr non_asps other_subtypes pembrolizumab pmmr primary_not_resected
    primary_resected primary_site_lower primary_site_middle primary_site_upper prior_anti_egfr
    prior_anti_egfr_no prior_anti_egfr_yes prior_anti_vegf prior_anti_vegf_no prior_anti_vegf_yes
    prior_ici_no prior_ici_yes prior_lines_1 prior_lines_2 prior_lines_2plus prior_lines_3plus
    prior_lines_ge_3rd prior_lines_lt_3rd prior_surgery_no prior_surgery_yes ras_mutant ras_wild_type
    right_sided sintilimab ss surgery_no surgery_yes time_first_line_ge_18m time_first_line_lt_18m
    tislelizumab
""".split())
#: The order figures and tables show subgroups in: the split first, all patients last
#: (the overall estimate closes a subgroup forest plot).
SUBGROUP_DISPLAY_ORDER = (*LIVER_SUBGROUPS, OVERALL)
SUBGROUP_LABELS = {
    "all": "All patients",
    "liver_met": "Liver metastases",
    "no_liver_met": "No liver metastases",
}


def subgroup_label(subgroup: str) -> str:
    """Display label of a subgroup (an unknown token with its underscores as spaces)."""
    return SUBGROUP_LABELS.get(str(subgroup), str(subgroup).replace("_", " "))


# --- outcomes: kinds, families, method sets, scales --------------------------------------

#: The config.yaml ``outcomes`` lists, in the order their outcomes are pooled and shown.
OUTCOME_KINDS = ("response", "adverse_events", "ae_terms", "medians", "landmarks", "contrasts")
FAMILIES = ("proportion", "logit", "log")
METHOD_SETS = ("proportions", "continuous")
SCALES = ("proportion", "months", "ratio")

KIND_FAMILY = {
    "response": "proportion",
    "adverse_events": "proportion",
    "ae_terms": "proportion",
    "medians": "log",
    "landmarks": "logit",
    "contrasts": "log",
}
FAMILY_METHOD_SET = {"proportion": "proportions", "logit": "continuous", "log": "continuous"}
KIND_SCALE = {
    "response": "proportion",
    "adverse_events": "proportion",
    "ae_terms": "proportion",
    "medians": "months",
    "landmarks": "proportion",
    "contrasts": "ratio",
}

#: Suffix of the grade >= 3 outcome of an adverse-event term (AE_<term>_grade3plus).
GRADE3PLUS_SUFFIX = "_grade3plus"


def ae_term_outcomes(term: str) -> list[str]:
    """The two outcomes of a harmonised adverse-event term: any grade, grade >= 3."""
    return [f"AE_{term}", f"AE_{term}{GRADE3PLUS_SUFFIX}"]


def outcomes_by_kind(outcomes: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Outcome names per kind from config.yaml ``outcomes`` (AE terms expanded), in config order."""
    by_kind = {}
    for kind in OUTCOME_KINDS:
        names = list(outcomes.get(kind, []))
        by_kind[kind] = [o for term in names for o in ae_term_outcomes(term)] if kind == "ae_terms" else names
    return by_kind


def config_outcomes(outcomes: Mapping[str, list[str]]) -> list[str]:
    """Every outcome config.yaml ``outcomes`` asks for, kind by kind in :data:`OUTCOME_KINDS` order."""
    return [o for names in outcomes_by_kind(outcomes).values() for o in names]


_LANDMARK = re.compile(r"^landmark_([A-Za-z]+)_([0-9]+)m$")
_CONTRAST = re.compile(r"^(HR|RoM|OR)_([A-Za-z0-9]+)(?:_(.*))?$")


def outcome_kind(outcome: str) -> str | None:
    """The kind of an outcome name, read from the name; None when it follows no known pattern."""
    name = str(outcome)
    if name in RESPONSE_LABELS:
        return "response"
    if name in ADVERSE_EVENT_LABELS:
        return "adverse_events"
    if name.startswith("AE_") and len(name) > 3:
        return "ae_terms"
    if name.startswith("median_"):
        return "medians"
    if _LANDMARK.match(name):
        return "landmarks"
    if _CONTRAST.match(name):
        return "contrasts"
    return None


def outcome_scale(outcome: str) -> str | None:
    """proportion, months or ratio, from the outcome name (None for an unknown name)."""
    kind = outcome_kind(outcome)
    return KIND_SCALE[kind] if kind else None


# --- outcome labels ----------------------------------------------------------------------

GRADE_LABELS = {"any": "any grade", "grade3plus": "grade 3 or higher"}
RESPONSE_LABELS = {"ORR": "Objective response rate", "DCR": "Disease control rate", "CBR": "Clinical benefit rate"}
#: What a response rate counts (used in the label of its odds ratio, OR_<rate>_liver).
RESPONSE_EVENTS = {"ORR": "response", "DCR": "disease control", "CBR": "clinical benefit"}
ADVERSE_EVENT_LABELS = {
    "AE_any": f"Adverse events, {GRADE_LABELS['any']}",
    "AE_grade3plus": f"Adverse events, {GRADE_LABELS['grade3plus']}",
}
MEDIAN_LABELS = {"median_PFS": "Median PFS (months)", "median_OS": "Median OS (months)"}
#: Outcomes with a fixed label; AE terms, landmarks and contrasts are composed by
#: :func:`outcome_label`.
OUTCOME_LABELS = {**RESPONSE_LABELS, **ADVERSE_EVENT_LABELS, **MEDIAN_LABELS}

#: Harmonised adverse-event terms whose label is not the term with spaces.
AE_TERM_LABELS = {
    "any_ae": "Any adverse event",
    "any_trae": "Any treatment-related AE",
    "any_irae": "Any immune-related AE",
    "hand_foot_skin_reaction": "Hand-foot skin reaction",
    "nausea_vomiting": "Nausea/vomiting",
    "rccep": "RCCEP",
    "treatment_related_death": "Treatment-related death",
    "creatinine_increased": "Creatinine increased",
}

#: Within-study contrast measures, in the order they are shown, with their names.
CONTRAST_MEASURES = {"HR": "Hazard ratio", "RoM": "Ratio of medians", "OR": "Odds ratio"}
#: How a contrast's label starts; ``{}`` is the endpoint (the event counted, for an OR).
CONTRAST_LABELS = {"HR": "HR for {}", "RoM": "Ratio of median {}", "OR": "Odds ratio of {}"}
#: What a contrast compares, by the suffix of its name (HR_PFS_liver: liver).
CONTRAST_COMPARISONS = {"liver": "liver metastasis vs none"}


def ae_term_label(term: str) -> str:
    """Display label of a harmonised adverse-event term (hand_foot_skin_reaction -> 'Hand-foot skin reaction')."""
    term = str(term)
    if term in AE_TERM_LABELS:
        return AE_TERM_LABELS[term]
    text = term.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def outcome_label(outcome: str) -> str:
    """Display label of an outcome name, in figures and tables alike.

    ORR -> 'Objective response rate', AE_hypertension_grade3plus -> 'Hypertension, grade 3
    or higher', landmark_PFS_6m -> 'PFS rate at 6 months', HR_OS_liver -> 'HR for OS,
    liver metastasis vs none'; an unknown name with its underscores as spaces.
    """
    name = str(outcome)
    if name in OUTCOME_LABELS:
        return OUTCOME_LABELS[name]
    kind = outcome_kind(name)
    if kind == "ae_terms":
        term = name[3:]
        grade = "grade3plus" if term.endswith(GRADE3PLUS_SUFFIX) else "any"
        return f"{ae_term_label(term.removesuffix(GRADE3PLUS_SUFFIX))}, {GRADE_LABELS[grade]}"
    if kind == "landmarks":
        endpoint, months = _LANDMARK.match(name).groups()
        return f"{endpoint} rate at {months} months"
    if kind == "contrasts":
        measure, endpoint, rest = _CONTRAST.match(name).groups()
        text = CONTRAST_LABELS[measure].format(RESPONSE_EVENTS.get(endpoint, endpoint) if measure == "OR" else endpoint)
        if rest in CONTRAST_COMPARISONS:
            text += f", {CONTRAST_COMPARISONS[rest]}"
        elif rest:
            text += f" ({rest.replace('_', ' ')})"
        return text
    return name.replace("_", " ")


# --- methods -----------------------------------------------------------------------------

#: Pooling methods, as tables name them.
METHOD_LABELS = {
    "glmm": "GLMM (ML)",
    "reml_hksj": "REML + HKSJ",
    "reml": "REML",
    "dl": "DerSimonian-Laird",
    "ft_reml": "Freeman-Tukey (REML)",
    "ce": "Common effect (IV)",
}
#: Short names for figures, where a footnote gives the description.
METHOD_ABBREVIATIONS = {"glmm": "GLMM", "reml_hksj": "REML + HKSJ", "reml": "REML", "dl": "DL", "ft_reml": "FT + REML", "ce": "CE"}
METHOD_DESCRIPTIONS = {
    "glmm": "binomial-normal GLMM (logit, maximum likelihood)",
    "reml_hksj": "inverse variance, REML τ², Hartung-Knapp-Sidik-Jonkman CI",
    "reml": "inverse variance, REML τ²",
    "dl": "inverse variance, DerSimonian-Laird τ²",
    "ft_reml": "Freeman-Tukey double arcsine, REML τ²",
    "ce": "inverse variance, common (fixed) effect, Wald CI",
}
#: The methods each method set can use (workflow/schemas/config.schema.yaml lists the same).
SET_METHODS = {
    "proportions": ("glmm", "reml_hksj", "reml", "dl", "ft_reml"),
    "continuous": ("reml_hksj", "reml", "dl", "ce"),
}


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


def method_abbreviation(method: str) -> str:
    return METHOD_ABBREVIATIONS.get(method, method)


def method_description(method: str) -> str:
    return METHOD_DESCRIPTIONS.get(method, method)


# --- analyses ----------------------------------------------------------------------------

PRIMARY = "primary"
CRC_ONLY = "crc_only"
#: One analysis per study, each without that study (named by :func:`leave_one_out`).
LEAVE_ONE_OUT = "leave_one_out"
#: The sensitivity analyses config.yaml ``pooling.sensitivity_analyses`` can switch on.
SENSITIVITY_ANALYSES = (CRC_ONLY, LEAVE_ONE_OUT)
LEAVE_ONE_OUT_PREFIX = "loo_"
ANALYSIS_LABELS = {PRIMARY: "Primary analysis", CRC_ONLY: "CRC studies only"}


def leave_one_out(study: str) -> str:
    """Name of the analysis without ``study`` (loo_<study>)."""
    return f"{LEAVE_ONE_OUT_PREFIX}{study}"


def analysis_label(analysis: str) -> str:
    """'CRC studies only', 'without <study>' (loo_<study>), ..."""
    name = str(analysis)
    if name.startswith(LEAVE_ONE_OUT_PREFIX):
        return f"without {name.removeprefix(LEAVE_ONE_OUT_PREFIX)}"
    return ANALYSIS_LABELS.get(name, name.replace("_", " "))


# --- audit -------------------------------------------------------------------------------

#: Audit statuses, in the order figures stack and tables list them.
AUDIT_STATUSES = ("consistent", "rounding", "discrepancy", "not_checkable")


# --- tumour types and the direction of the liver-metastasis contrasts -------------------
#: Display labels of config.yaml ``studies.<id>.cancer``.
CANCER_LABELS = {
    "colorectal": "colorectal cancer",
    "soft_tissue_sarcoma": "soft-tissue sarcoma",
    "esophageal_squamous": "oesophageal squamous cell carcinoma",
}

#: A contrast (liver metastasis vs none) above 1 means worse with liver metastasis for
#: hazard ratios; below 1 means worse for ratios of medians and odds ratios of response.
CONTRAST_WORSE_ABOVE_ONE = {"HR": True, "RoM": False, "OR": False}
#: What a contrast is about, and how a clear reading is phrased ({endpoint}: PFS/OS;
#: {event}: response, disease control, ...), for the generated conclusions.
CONTRAST_QUANTITY = {"HR": "{endpoint}", "RoM": "median {endpoint}", "OR": "odds of {event}"}
CONTRAST_READING = {
    "HR": {"worse": "shorter {endpoint}", "better": "longer {endpoint}"},
    "RoM": {"worse": "a shorter median {endpoint}", "better": "a longer median {endpoint}"},
    "OR": {"worse": "lower odds of {event}", "better": "higher odds of {event}"},
}


def cancer_label(cancer: str) -> str:
    return CANCER_LABELS.get(str(cancer), str(cancer).replace("_", " "))


def contrast_measure(outcome: str) -> tuple[str, str] | None:
    """(measure, endpoint) of a contrast outcome name (HR_PFS_liver -> ('HR', 'PFS'))."""
    m = _CONTRAST.match(str(outcome))
    return (m.group(1), m.group(2)) if m else None


# --- risk of bias (MINORS, Slim et al. 2003, items for non-comparative studies) ---------
MINORS_ITEMS = {
    "clear_aim": "A clearly stated aim",
    "consecutive_patients": "Inclusion of consecutive patients",
    "prospective_collection": "Prospective collection of data",
    "appropriate_endpoints": "Endpoints appropriate to the aim",
    "unbiased_assessment": "Unbiased assessment of the endpoint",
    "appropriate_follow_up": "Follow-up period appropriate to the aim",
    "loss_to_follow_up": "Loss to follow-up below 5%",
    "prospective_sample_size": "Prospective calculation of the study size",
}
MINORS_SCORE_LABELS = {0: "not reported", 1: "reported but inadequate", 2: "reported and adequate"}
MINORS_MAX = 2 * len(MINORS_ITEMS)

# --- certainty of evidence (GRADE) --------------------------------------------------------
GRADE_LEVELS = {4: "High", 3: "Moderate", 2: "Low", 1: "Very low"}
GRADE_DOMAINS = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
}
