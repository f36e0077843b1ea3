"""Print, as JSON, the rule graph the workflow derives from its parsed rules
(workflow/rules/common.smk's rule_graph(), which the figure_rulegraph rule draws).

Run in a workflow directory: ``python tests/tools/rule_graph.py``. Used by
tests/test_rule_graph.py to hold it against ``snakemake --rulegraph``. Only parses.
"""

import json
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import OutputSettings, Quietness, ResourceSettings

with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
    workflow = api.workflow(resource_settings=ResourceSettings(cores=1), snakefile=Path("Snakefile"))._workflow
    rules, edges = workflow.globals["rule_graph"]()
print(json.dumps({"rules": rules, "edges": edges}, indent=1))
