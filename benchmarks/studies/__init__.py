"""One-off studies: each answered one question once (how far BatchNorm's modes part after a short
ss run, how far a better head could go on InfoGAN's features, why the evaluator's L_I differs
from training's, what keeping the input pipeline in order costs). Each keeps its command in its
docstring and its results file in benchmarks/results/; the pages that quote them name both.
The scripts beside this folder regenerate tables the docs keep current."""
