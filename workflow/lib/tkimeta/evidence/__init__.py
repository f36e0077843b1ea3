"""Living evidence: publication order, cumulative meta-analysis, small-study effects and
the changelog between two releases of the results."""
