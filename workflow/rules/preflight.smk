# Runs before `configfile:` loads config.yaml: reject what YAML itself lets through
# (a key given twice, NaN or infinity as a number) and name the file, line and column
# of a syntax error, which Snakemake's own message does not.

import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "lib"))

from tkimeta.configcheck import ConfigError, check_config_file  # noqa: E402

if Path("config.yaml").is_file():
    try:
        check_config_file(Path("config.yaml"))
    except ConfigError as err:
        raise WorkflowError(str(err)) from None
