"""Sentences of the report that depend on the results: written here by stated rules,
so that they change when the numbers (or the set of studies) change.

Every function is pure: data frames and the run configuration in, markdown out. The
report source (``report/report.qmd``) includes the markdown and types no count, count
word or study-specific sentence itself.

Rules for a within-study liver-metastasis contrast (:func:`contrast_conclusion`):

* direction: the side of 1 the pooled estimate lies on, read with
  :data:`tkimeta.vocab.CONTRAST_WORSE_ABOVE_ONE` (HR above 1, ratio of medians or odds
  ratio of response below 1, means worse with liver metastasis);
* certainty of the direction: the interval excludes 1 ("associated with"), or it
  includes 1 ("no clear difference; the interval is compatible with both");
* method dependence: the primary method and DerSimonian-Laird reach the same reading
  (both exclude 1 on the same side, or both include it), else the conclusion is said to
  depend on the method;
* k = 1 is a single study's estimate, never called pooled;
* the conclusion is limited to the tumour types of the studies behind it; the tumour
  types of the pooled studies that give no data for the contrast are named as those it
  cannot be carried over to.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from ..vocab import (
    CONTRAST_QUANTITY,
    CONTRAST_READING,
    CONTRAST_WORSE_ABOVE_ONE,
    MAX_LISTED_STUDIES,
    OVERALL,
    PRIMARY,
    cancer_label,
    contrast_measure,
    method_abbreviation,
    method_label,
    outcome_label,
)

_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve"]


def count_word(n: int) -> str:
    """A count as a word up to twelve, as digits beyond (house style)."""
    n = int(n)
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """'one study', 'two studies', 'no studies'."""
    plural = plural or singular + "s"
    return f"{count_word(n)} {singular if int(n) == 1 else plural}"


def join_words(items: Sequence[str], conj: str = "and") -> str:
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conj} {items[-1]}"


def study_words(ids: Sequence[str]) -> str:
    """'a, b and c', or, for more than MAX_LISTED_STUDIES ids, where they are listed."""
    if len(ids) > MAX_LISTED_STUDIES:
        return "listed in results/pooled/estimates.csv, column studies"
    return join_words(ids)


def _ratio(x: float) -> str:
    return f"{x:.2f}"


def _row(estimates: pd.DataFrame, outcome: str, method: str, subgroup: str = OVERALL,
         analysis: str = PRIMARY) -> Mapping | None:
    rows = estimates[(estimates["outcome"] == outcome) & (estimates["subgroup"] == subgroup)
                     & (estimates["analysis"] == analysis) & (estimates["method"] == method)]
    return rows.iloc[0].to_dict() if len(rows) else None


def _studies(row: Mapping) -> list[str]:
    return [s for s in str(row.get("studies", "")).split(";") if s and s != "nan"]


def reading(row: Mapping, worse_above_one: bool) -> str:
    """'worse', 'better' (with liver metastasis, interval excludes 1) or 'unclear'."""
    lo, hi = row["ci_lower"], row["ci_upper"]
    if any(isinstance(v, float) and math.isnan(v) for v in (lo, hi)):
        return "unclear"
    if lo > 1:
        return "worse" if worse_above_one else "better"
    if hi < 1:
        return "better" if worse_above_one else "worse"
    return "unclear"


def contrast_conclusion(estimates: pd.DataFrame, outcome: str, primary: str, config: Mapping,
                        sizes: Mapping[str, int], alternative: str = "dl") -> dict | None:
    """The conclusion about one liver-metastasis contrast, by the rules of the module
    docstring: a dict with the sentence (``text``) and its parts, or None when no study
    gives the contrast."""
    measure_endpoint = contrast_measure(outcome)
    row = _row(estimates, outcome, primary)
    if measure_endpoint is None or row is None or int(row["k"]) == 0:
        return None
    measure, endpoint = measure_endpoint
    worse_above = CONTRAST_WORSE_ABOVE_ONE[measure]
    k = int(row["k"])
    studies = _studies(row)
    patients = sum(sizes.get(s, 0) for s in studies)
    types = list(dict.fromkeys(cancer_label(config["studies"][s]["cancer"]) for s in studies if s in config["studies"]))
    pooled_ids = [s for s, c in config["studies"].items() if c["role"] == "single_arm"]
    other_types = list(dict.fromkeys(cancer_label(config["studies"][s]["cancer"]) for s in pooled_ids))
    missing_types = [t for t in other_types if t not in types]

    label = outcome_label(outcome).split(",")[0]
    est = f"{label} {_ratio(row['estimate'])} (95% CI {_ratio(row['ci_lower'])} to {_ratio(row['ci_upper'])}; {method_abbreviation(primary)})"
    event = outcome_label(outcome).split(" of ")[-1].split(",")[0]  # what an odds ratio is about
    what = CONTRAST_QUANTITY[measure].format(endpoint=endpoint, event=event)
    primary_reading = reading(row, worse_above)
    alt = _row(estimates, outcome, alternative) if k > 1 else None
    alt_reading = reading(alt, worse_above) if alt else None

    basis = (f"a single study ({studies[0]}, {patients} patients, {join_words(types)}), not pooled"
             if k == 1 else
             f"{counted(k, 'study', 'studies')} ({study_words(studies)}; {patients} patients; {join_words(types)})")
    if primary_reading in ("worse", "better"):
        verdict = "Liver metastasis went with " + CONTRAST_READING[measure][primary_reading].format(endpoint=endpoint,
                                                                                                 event=event)
    else:
        verdict = f"No clear difference in {what} by liver-metastasis status (the interval includes 1)"
    text = f"{verdict}: {est}, from {basis}."
    if alt is not None:
        alt_text = f"{method_label(alternative)} {_ratio(alt['estimate'])} ({_ratio(alt['ci_lower'])} to {_ratio(alt['ci_upper'])})"
        if alt_reading == primary_reading:
            text += f" {alt_text} gives the same reading, so the conclusion does not depend on the method."
        else:
            text += (f" {alt_text} reads differently (its interval "
                     f"{'excludes' if alt_reading != 'unclear' else 'includes'} 1), so the conclusion depends on the method"
                     f" and rests on {counted(k, 'study', 'studies')}.")
    if missing_types:
        text += f" It cannot be carried over to {join_words(missing_types, 'or')}, for which no study gives data by liver-metastasis status."
    return {"outcome": outcome, "k": k, "patients": patients, "studies": studies, "types": types,
            "reading": primary_reading, "alternative_reading": alt_reading,
            "depends_on_method": alt_reading is not None and alt_reading != primary_reading, "text": text}


def liver_conclusions(estimates: pd.DataFrame, outcomes: Sequence[str], primary_methods: Mapping[str, str],
                      config: Mapping, sizes: Mapping[str, int]) -> list[dict]:
    found = []
    for outcome in outcomes:
        c = contrast_conclusion(estimates, outcome, primary_methods.get(outcome, "reml_hksj"), config, sizes)
        if c is not None:
            found.append(c)
    return found


def _short(c: dict) -> str:
    """'2.49 (0.04 to 171.05; REML + HKSJ)' from a conclusion's sentence parts."""
    label = outcome_label(c["outcome"]).split(",")[0]
    return c["text"].split(": ", 1)[1].split(", from ")[0].replace("95% CI ", "").replace(label + " ", "", 1)


def _lower_first(label: str) -> str:
    """'Ratio of median OS' -> 'ratio of median OS'; abbreviations (HR) stay."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def bottom_line(conclusions: Sequence[dict], config: Mapping, sizes: Mapping[str, int] | None = None,
                certainty: Mapping[str, str] | None = None) -> str:
    """The bottom line at the head of the Summary (markdown paragraph): the pooled
    contrasts first, each with its reading and whether it depends on the method, then
    what rests on single studies, then the tumour types it does not cover."""
    pooled_ids = [s for s, c in config["studies"].items() if c["role"] == "single_arm"]
    patients = sum((sizes or {}).get(s, 0) for s in pooled_ids)
    head = (f"**Bottom line.** Of {counted(len(pooled_ids), 'single-arm study', 'single-arm studies')}"
            + (f" ({patients} patients)" if patients else ""))
    if not conclusions:
        return head + (", none gives a within-study comparison by liver-metastasis status, so the analysis draws "
                       "no conclusion about liver metastasis.\n")
    behind = list(dict.fromkeys(s for c in conclusions for s in c["studies"]))
    types = list(dict.fromkeys(t for c in conclusions for t in c["types"]))
    parts = [head + f", {counted(len(behind), 'study', 'studies')} in {join_words(types)} compare patients with "
             f"and without liver metastasis ({study_words(behind)}). "]
    pooled = [c for c in conclusions if c["k"] > 1]
    single = [c for c in conclusions if c["k"] == 1]
    for c in pooled:
        name = _lower_first(outcome_label(c["outcome"]).split(",")[0])
        if c["reading"] == "unclear":
            parts.append(f"Pooled over {counted(c['k'], 'study', 'studies')}, the {name} shows no clear difference "
                         f"({_short(c)})")
        else:
            parts.append(f"Pooled over {counted(c['k'], 'study', 'studies')}, the {name} shows "
                         f"{c['reading']} outcomes with liver metastasis ({_short(c)})")
        parts.append("; this reading depends on the pooling method (DerSimonian-Laird differs). " if c["depends_on_method"]
                     else "; DerSimonian-Laird agrees. ")
    worse = [c for c in single if c["reading"] == "worse"]
    if single:
        names = join_words([_lower_first(outcome_label(c["outcome"]).split(",")[0]) for c in single])
        parts.append(f"From a single study each: {names}"
                     + (f"; liver metastasis went with a worse outcome in {count_word(len(worse))} of them. " if worse
                        else ", none with a clear difference. "))
    missing = [t for t in dict.fromkeys(cancer_label(config["studies"][s]["cancer"]) for s in pooled_ids) if t not in types]
    if missing:
        parts.append(f"Nothing here carries over to {join_words(missing, 'or')}. ")
    levels = [certainty[c["outcome"]] for c in conclusions if certainty and c["outcome"] in certainty]
    rated = (f", of {join_words([lv.lower() for lv in dict.fromkeys(levels)], 'to')} certainty by GRADE (@sec-grade)"
             if levels else "")
    parts.append(f"These are associations in single-arm cohorts{rated}, not effects of treatment.\n")
    return "".join(parts)


def conclusions_section(conclusions: Sequence[dict]) -> str:
    """The bullet list of the Conclusions section (one bullet per contrast)."""
    if not conclusions:
        return "No within-study liver-metastasis contrast is available in this run.\n"
    return "\n".join(f"- **{outcome_label(c['outcome'])}.** {c['text']}" for c in conclusions) + "\n"


def evidence_text(config: Mapping, sizes: Mapping[str, int]) -> str:
    """What the synthesis covers: the given set of papers, by role and tumour type."""
    studies = config["studies"]
    pooled = [s for s, c in studies.items() if c["role"] == "single_arm"]
    context = [s for s, c in studies.items() if c["role"] != "single_arm"]
    by_type: dict[str, list[str]] = {}
    for s in pooled:
        by_type.setdefault(cancer_label(studies[s]["cancer"]), []).append(s)
    types = [f"{t} ({counted(len(ids), 'study', 'studies')})" for t, ids in by_type.items()]
    text = (f"This synthesis covers a given set of {counted(len(studies), 'paper')}, not the result of a systematic "
            f"search: other eligible studies may exist and are not represented. "
            f"{counted(len(pooled), 'single-arm study', 'single-arm studies').capitalize()} "
            f"({sum(sizes.get(s, 0) for s in pooled)} patients) are pooled: {join_words(types)}.")
    if context:
        text += (f" {counted(len(context), 'paper').capitalize()} ({join_words(context)}) "
                 f"{'is' if len(context) == 1 else 'are'} shown as context only and never pooled.")
    return text + "\n"


def liver_intro(estimates: pd.DataFrame, liver_outcomes: Sequence[str], config: Mapping) -> str:
    """Which studies report outcomes by liver-metastasis status."""
    rows = estimates[estimates["outcome"].isin(list(liver_outcomes)) & (estimates["analysis"] == PRIMARY)]
    studies = list(dict.fromkeys(s for v in rows["studies"].dropna() for s in str(v).split(";") if s))
    if not studies:
        return "No study of this run reports outcomes by liver-metastasis status.\n"
    types = list(dict.fromkeys(cancer_label(config["studies"][s]["cancer"]) for s in studies if s in config["studies"]))
    per = []
    for outcome in liver_outcomes:
        own = rows[rows["outcome"] == outcome]
        if len(own):
            ids = [s for s in str(own.iloc[0]["studies"]).split(";") if s and s != "nan"]
            if ids:
                per.append(f"{outcome_label(outcome).split(',')[0]}: {study_words(ids)}")
    return (f"{counted(len(studies), 'study', 'studies').capitalize()} report outcomes by liver-metastasis "
            f"status ({study_words(studies)}), all in {join_words(types)} (@tbl-liver). "
            f"Contrasts available: {'; '.join(per)}.\n").replace("all in", "in" if len(studies) == 1 else "all in")


def limitations_counts(estimates: pd.DataFrame, outcomes: Sequence[str], config: Mapping,
                       characteristics: pd.DataFrame) -> dict[str, str]:
    """Count sentences of the Limitations section."""
    rows = estimates[estimates["outcome"].isin(list(outcomes)) & (estimates["analysis"] == PRIMARY)
                     & (estimates["subgroup"] == OVERALL) & (estimates["k"] > 0)]
    ks = rows.groupby("outcome")["k"].max()
    pooled = [s for s, c in config["studies"].items() if c["role"] == "single_arm"]
    designs = {}
    for s in pooled:
        own = characteristics[(characteristics["study_id"] == s) & (characteristics["item"] == "design")]
        designs[s] = str(own["value"].iloc[0]) if len(own) else "not printed"
    retro = [s for s, d in designs.items() if "retrospective" in d]
    types = list(dict.fromkeys(cancer_label(config["studies"][s]["cancer"]) for s in pooled))
    k_text = (f"{count_word(int(ks.min()))} to {count_word(int(ks.max()))}" if len(ks) and ks.min() != ks.max()
              else count_word(int(ks.max())) if len(ks) else count_word(0))
    return {
        "k_range": k_text,
        "retrospective": (f"{count_word(len(retro)).capitalize()} of the {counted(len(pooled), 'pooled study', 'pooled studies')}"
                          f" {'is' if len(retro) == 1 else 'are'} retrospective."),
        "types": (f"The pooled studies span {join_words(types)}, which differ in prognosis; the colorectal-only "
                  "analysis addresses this in part." if len(types) > 1 else
                  f"All pooled studies are in {join_words(types)}; nothing here carries over to other tumour types."),
    }


def context_sentence(config: Mapping) -> str:
    """The sentence on the context-only papers (none, one or more)."""
    context = [s for s, c in config["studies"].items() if c["role"] != "single_arm"]
    if not context:
        return "No context-only paper is part of this run."
    return (f"{join_words([config['studies'][s]['label'] for s in context])} "
            f"{'is' if len(context) == 1 else 'are'} shown as context only and never pooled with the single-arm studies.")
