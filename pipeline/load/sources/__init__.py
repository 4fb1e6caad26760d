"""One module per input source. Each declares its :class:`~pipeline.batch.Kind`, its own typing
(``type_batch``) and the rows it writes (``to_landing``)."""

from pipeline.load.sources import cohorts, surveys
from pipeline.load.sources.cohorts import COHORT_RESULTS
from pipeline.load.sources.surveys import SURVEY_ANSWERS

KINDS = {k.name: k for k in (COHORT_RESULTS, SURVEY_ANSWERS)}
MODULES = {COHORT_RESULTS.name: cohorts, SURVEY_ANSWERS.name: surveys}

__all__ = ["COHORT_RESULTS", "KINDS", "MODULES", "SURVEY_ANSWERS"]
