"""Cumulative meta-analysis in order of publication (metafor ``cumul()``).

Order: by ``publication_year`` (characteristics.csv, as the paper prints it), then by
``publication_date`` where printed, then by study id. Studies whose paper prints no
year come after the dated ones, by study id: a missing year is never invented, and
the table says which positions rest on the study-id tie-break.

Each step pools the studies published so far with one method (default ``reml_hksj``,
the inverse-variance model; metafor's ``cumul()`` is defined for ``rma.uni`` fits, not
for the GLMM, so proportions are pooled here on the logit scale with REML and HKSJ).
"""

from __future__ import annotations

import math
import re

import pandas as pd

from ..pooling.analysis import pool, scale_of
from ..pooling.usable import usable_inputs

ORDER_COLUMNS = ["study_id", "publication_year", "publication_date", "position", "order_basis"]
CUMULATIVE_COLUMNS = [
    "outcome", "subgroup", "method", "step", "study_id", "publication_year", "order_basis", "k",
    "estimate", "ci_lower", "ci_upper", "tau2", "i2", "scale", "studies",
]

_YEAR = re.compile(r"^(1[89]|20)[0-9]{2}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _first(characteristics: pd.DataFrame, study: str, item: str, pattern: re.Pattern) -> str:
    values = characteristics.loc[(characteristics["study_id"] == study) & (characteristics["item"] == item), "value"]
    values = sorted({str(v).strip() for v in values if pattern.match(str(v).strip())})
    if len(values) > 1:
        raise ValueError(f"{study}: characteristics.csv gives {item} as {', '.join(values)}; one value is needed")
    return values[0] if values else ""


def publication_order(characteristics: pd.DataFrame, studies: list[str]) -> pd.DataFrame:
    """The studies in order of publication, with the basis of each position."""
    rows = []
    # each study's rows split once: a mask per study over the whole table was quadratic in k
    by_study = {s: g for s, g in characteristics.groupby("study_id", sort=False)}
    for study in studies:
        own = by_study.get(study, characteristics.iloc[0:0])
        year = _first(own, study, "publication_year", _YEAR)
        date = _first(own, study, "publication_date", _DATE)
        if date and not year:
            year = date[:4]
        rows.append(dict(study_id=study, publication_year=year, publication_date=date))
    frame = pd.DataFrame(rows, columns=["study_id", "publication_year", "publication_date"])
    frame["_missing"] = frame["publication_year"] == ""
    frame = frame.sort_values(["_missing", "publication_year", "publication_date", "study_id"], kind="stable")
    frame = frame.drop(columns="_missing").reset_index(drop=True)
    frame["position"] = range(1, len(frame) + 1)
    # how many studies share each one's year and date (counted once, not per study)
    sharing = frame.groupby(["publication_year", "publication_date"], sort=False)["study_id"].transform("size")
    basis = []
    for (_, r), shared in zip(frame.iterrows(), sharing):
        if not r["publication_year"]:
            basis.append("no publication year printed: after the dated studies, by study id")
        elif shared > 1:
            basis.append("publication " + ("date" if r["publication_date"] else "year") + " shared: tie broken by study id")
        else:
            basis.append("publication date" if r["publication_date"] else "publication year")
    frame["order_basis"] = basis
    return frame[ORDER_COLUMNS]


def cumulative(inputs: pd.DataFrame, order: pd.DataFrame, outcomes: list[str], *, method: str = "reml_hksj",
               level: float = 0.95, min_k_pi: int = 3, nagq: int = 7) -> pd.DataFrame:
    """One row per outcome, subgroup and step: the pooled estimate after each paper."""
    position = dict(zip(order["study_id"], order["position"]))
    year = dict(zip(order["study_id"], order["publication_year"]))
    basis = dict(zip(order["study_id"], order["order_basis"]))
    inputs = usable_inputs(inputs)
    out = []
    for outcome in outcomes:
        own = inputs[inputs["outcome"] == outcome]
        for subgroup in dict.fromkeys(own["subgroup"]):
            rows = own[own["subgroup"] == subgroup].copy()
            rows["_pos"] = rows["study_id"].map(lambda s: position.get(s, math.inf))
            rows = rows.sort_values(["_pos", "study_id"], kind="stable")
            family = rows["family"].iloc[0]
            ids = rows["study_id"].tolist()  # plain strings: joining a pandas slice per step was O(k²) in pandas
            for step in range(1, len(rows) + 1):
                subset = rows.iloc[:step]
                result = pool(subset, family, method, level, min_k_pi, nagq, tau2_ci=False)  # not reported here
                added = ids[step - 1]
                out.append(dict(outcome=outcome, subgroup=subgroup, method=method, step=step, study_id=added,
                                publication_year=year.get(added, ""), order_basis=basis.get(added, ""),
                                k=result["k"], estimate=result["estimate"], ci_lower=result["ci_lower"],
                                ci_upper=result["ci_upper"], tau2=result["tau2"], i2=result["i2"],
                                scale=scale_of(family, outcome), studies=";".join(ids[:step])))
    return pd.DataFrame(out, columns=CUMULATIVE_COLUMNS)
