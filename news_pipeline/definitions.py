"""The Dagster definitions that `dagster dev -w workspace.yaml`, `dg dev` and the daemon load.

The sources file and the data directory come from `$NEWS_PIPELINE_SOURCES` (else the bundled
demo) and `$NEWS_PIPELINE_DATA_DIR` (else `./data`), read when Dagster loads the definitions,
not when this module is imported.
"""

from __future__ import annotations

import dagster as dg

from news_pipeline.defs import build_defs
from news_pipeline.defs.resources import data_dir_from_env, sources_file_from_env


@dg.definitions
def defs() -> dg.Definitions:
    return build_defs(sources_file_from_env(), data_dir_from_env())
