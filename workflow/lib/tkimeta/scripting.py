"""The small amount of glue every rule script shares (logging, readable failures).

Rule scripts stay thin: they call :func:`run` with a function that reads the rule's
inputs, calls the library and writes the outputs. Messages go to the rule's log file
(Snakemake prints it when the job fails, see profiles/default/profile.yaml); an
exception becomes one readable line in the log rather than a traceback alone.
"""

from __future__ import annotations

import logging
import sys
import traceback


def run(snakemake, main) -> None:
    """Run ``main(snakemake)`` with logging to the rule's log file."""
    log_path = snakemake.log[0] if snakemake.log else None
    handlers = [logging.FileHandler(log_path, mode="w", encoding="utf-8")] if log_path else [logging.StreamHandler()]
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", handlers=handlers, force=True)
    # fontTools (matplotlib's PDF font subsetting) logs every glyph list at INFO: pages of
    # noise in the figure rules' logs, and time spent formatting them.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    log = logging.getLogger(snakemake.rule)
    try:
        main(snakemake, log)
    except Exception as err:  # noqa: BLE001 - reported, then re-raised as a failure
        log.error("%s: %s", type(err).__name__, err)
        log.debug("".join(traceback.format_exc()))
        print(f"Error in rule {snakemake.rule}: {err}", file=sys.stderr)
        sys.exit(1)
