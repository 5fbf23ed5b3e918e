"""The report's sections, one module each: `score(ctx, report)` adds the section when it applies
(reading the shared `EvalContext`), `summary(report)` gives its lines of the printed table.

A new metric is one module here and one entry in SCORERS. The order is the order of the work
and of the printed lines (conditional_generation adds to semi_supervised's section, so it
comes after the Fréchet classifier it shares is loaded, as it always has).
"""

from infogan_tf.evaluation.scorers import (agreement, clustering, conditional_generation, dci,
                                           factor_vae, frechet, info, mig, probe,
                                           semi_supervised)

SCORERS = (semi_supervised, clustering, agreement, info, probe, frechet, conditional_generation,
           mig, factor_vae, dci)
