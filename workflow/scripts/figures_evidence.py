"""Rule figures_evidence: cumulative meta-analysis and funnel plot(s)."""

from pathlib import Path

from tkimeta.evidence.smallstudy import funnel_data
from tkimeta.io import read_text_csv
from tkimeta.plots import save_figure
from tkimeta.plots.empty import no_data_plot
from tkimeta.plots.evidence import cumulative_plot, funnel_plot
from tkimeta.scripting import run
from tkimeta.vocab import outcome_label


def main(smk, log):
    table = read_text_csv(smk.input.cumulative)
    labels = {o: outcome_label(o) for o in dict.fromkeys(table["outcome"])}
    save_figure(cumulative_plot(table, labels=labels, study_labels=smk.params.labels),
                Path(smk.output.cumulative).with_suffix(""))
    small = read_text_csv(smk.input.small_study)
    assessable = small[(small["assessable"] == "True") & (small["subgroup"] == "all")]
    if assessable.empty:
        most = small.sort_values("k", key=lambda k: k.astype(int), ascending=False).iloc[0] if len(small) else None
        reason = most["reason"] if most is not None else "no outcome"
        fig = no_data_plot("Funnel plot", f"Not assessable for any outcome: {reason.removeprefix('not assessable: ')}.")
    else:
        first = assessable.iloc[0]  # the first outcome in config order with enough studies
        data = funnel_data(read_text_csv(smk.input.inputs), first["outcome"], level=smk.params.ci_level)
        fig = funnel_plot(data, title=f"{outcome_label(first['outcome'])}: k = {first['k']}")
    save_figure(fig, Path(smk.output.funnel).with_suffix(""))
    log.info("funnel: %s", "placeholder" if assessable.empty else assessable.iloc[0]["outcome"])


run(snakemake, main)  # noqa: F821
