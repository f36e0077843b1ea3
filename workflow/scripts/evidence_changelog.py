"""Rule evidence_changelog: what changed since the previous release (config changelog: previous:)."""

from tkimeta.evidence.changelog import (CHANGE_COLUMNS, changelog, changelog_markdown, estimate_moves,
                                        load_release, rating_changes)
from tkimeta.io import write_csv, write_text
from tkimeta.scripting import run
from tkimeta.vocab import outcome_label


def main(smk, log):
    previous = smk.params.previous
    if not previous:
        import pandas as pd

        write_csv(pd.DataFrame(columns=CHANGE_COLUMNS), smk.output.changes, CHANGE_COLUMNS)
        write_text("", smk.output.markdown)
        log.info("no previous release given (config changelog: previous:)")
        return
    before = load_release(previous, smk.params.repo)
    now = load_release(smk.params.results, smk.params.repo)
    changes, summary = changelog(before, now)
    moves = estimate_moves(before, now)
    labels = {o: outcome_label(o) for o in moves["outcome"]}
    write_csv(changes, smk.output.changes, CHANGE_COLUMNS)
    write_text(changelog_markdown(summary, moves, rating_changes(changes), changes, labels), smk.output.markdown)
    log.info("%s -> this release: %d changes; studies added %s, removed %s", summary["previous"], len(changes),
             summary["studies_added"], summary["studies_removed"])


run(snakemake, main)  # noqa: F821
