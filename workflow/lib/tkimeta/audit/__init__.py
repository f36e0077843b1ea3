"""The audit: every number typed from a paper checked against what it can be recomputed
from and against the other places the paper prints it.

The checks are generic, pure functions on printed values, one module per kind of
number: :mod:`.printed` (reading printed numbers, rounding), :mod:`.proportion_checks`
(percentages, GRIM, denominators, binomial CIs, sums), :mod:`.survival_checks` (events,
maturity, median CIs), :mod:`.ratio_checks` (HR/OR midpoints, p values from CIs) and
:mod:`.cross_checks` (one quantity across places, duplicate estimates, rankings); each
returns a :class:`.result.CheckResult`. :mod:`.study` decides which numbers of one
paper's cleaned tables go to which check; :mod:`.summary` gathers the papers' audits.
What is particular to one paper is not here: it is in its ``data/raw/<study>/`` tables
and in ``docs/extraction/<study>.md``.
"""
