"""Print, as JSON, every rule's script and the input files Snakemake itself declares for it.

Run in a workflow directory: ``python tests/tools/declared_inputs.py``. Used by
tests/test_code_inputs.py to hold each rule's declared inputs against the modules its
script really imports. The workflow is only parsed; nothing is run or written.
"""

import json
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import OutputSettings, Quietness, ResourceSettings

with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
    workflow = api.workflow(resource_settings=ResourceSettings(cores=1), snakefile=Path("Snakefile"))._workflow
    rules = {}
    for rule in workflow.rules:
        if not getattr(rule, "script", None):
            continue
        script = (Path(rule.basedir.get_path_or_uri(secret_free=True)) / rule.script).resolve()
        inputs = sorted(str(Path(f).resolve()) for f in rule.input if isinstance(f, str))
        rules[rule.name] = {"script": str(script), "inputs": inputs}
print(json.dumps(rules, indent=1, sort_keys=True))
