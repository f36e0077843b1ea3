"""Library behind the TKI + PD-1 evidence-synthesis workflow (no Snakemake inside)."""
