# Runs before `configfile:` loads config.yaml: reject what YAML itself lets through
# (a key given twice, NaN or infinity as a number) and name the file, line and column
# of a syntax error, which Snakemake's own message does not.

from pathlib import Path

from snakemake.exceptions import WorkflowError

try:
    from tkimeta.configcheck import ConfigError, check_config_file
except ImportError as err:  # the library is installed by install.sh (or the conda envs)
    raise WorkflowError(
        f"The workflow's library is not importable here ({err}). Run ./install.sh and use "
        ".venv/bin/snakemake, or install it into this environment with `pip install -e .`."
    ) from None

if Path("config.yaml").is_file():
    try:
        check_config_file(Path("config.yaml"))
    except ConfigError as err:
        raise WorkflowError(str(err)) from None
