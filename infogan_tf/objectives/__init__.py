"""The objectives of the train step, as loss families (one module each).

The train step minimises, per replica,
  D step:  the sum of every active family's discriminator terms over D's variables (shared
           trunk, D head, Q head) and the families' own networks; generated images are held
           fixed, no term reaches G;
  G step:  the sum of their generator terms over G's variables (the updated D is re-run on the
           same generated batch; D's variables are not updated).
Each term is a plain function of `infogan_tf.losses` on one batch, weighted by the config and
scaled to this replica's share of the global mean. The families, in the order they run:

  infogan          gan, info                                   (always; `infogan.py`)
  real_info        real_info          the IIC extension        (`iic.py`)
  semi_supervised  ss_labelled, ss_generated, ss_consistency   (ss-InfoGAN; `semi_supervised.py`)
  contrastive      cr                 InfoGAN-CR's pair term   (`contrastive.py`)

Each module's docstring says which variables its terms train (tested in
tests/objectives/families_test.py). Adding a family: a module with a `base.Family` subclass, its
config fields, and one line in FAMILIES.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf.latent import LatentSample
from infogan_tf.objectives import contrastive, iic, infogan, semi_supervised
from infogan_tf.objectives.base import (BatchInputs, DiscriminatorPass, Family, GeneratorPass,
                                        Logs, StepContext, Terms)

# Every loss family, in the order their terms are computed.
FAMILIES = (infogan.InfoGAN, iic.RealInfo, semi_supervised.SemiSupervised,
            contrastive.Contrastive)

__all__ = ["BatchInputs", "DiscriminatorPass", "FAMILIES", "Family", "GeneratorPass", "Logs",
           "Objective", "StepContext", "Terms", "active_families", "batch_inputs",
           "check_resume", "create_state", "state_keys"]


def active_families(config: config_lib.ExperimentConfig) -> List[type]:
  """The family classes with terms in this config, in FAMILIES order."""
  return [family for family in FAMILIES if family.enabled(config)]


def create_state(config: config_lib.ExperimentConfig) -> Dict[str, Any]:
  """{checkpoint key: trackable} of every active family (call inside the strategy scope)."""
  state = {}
  for family in active_families(config):
    made = family.create_state(config)
    if set(made) != family.state_keys(config):
      raise ValueError(f"loss family {family.name!r} made the state {sorted(made)} but declares "
                       f"{sorted(family.state_keys(config))}")
    for key, value in made.items():
      if key in state:
        raise ValueError(f"two loss families checkpoint {key!r}")
      state[key] = value
  return state


def state_keys(config: config_lib.ExperimentConfig) -> set:
  """The checkpoint keys of the families' state in this config (without building it)."""
  return set().union(*(family.state_keys(config) for family in active_families(config)))


def check_resume(saved: config_lib.ExperimentConfig, new: config_lib.ExperimentConfig) -> None:
  """Raises ConfigError if `new` would checkpoint other family state than `saved` did."""
  before, after = state_keys(saved), state_keys(new)
  for key in sorted(before ^ after):
    had = key in before
    raise config_lib.ConfigError(
        f"workdir was trained {'with' if had else 'without'} the loss-family state {key!r}, "
        f"which its checkpoints {'hold' if had else 'do not hold'}: keep the option that makes "
        f"it {'on' if had else 'off'} to resume (its settings may change), or use a new "
        "--workdir")


def batch_inputs(config: config_lib.ExperimentConfig) -> BatchInputs:
  """What the active families need in every batch besides 'images'."""
  inputs = BatchInputs()
  for family in active_families(config):
    inputs = inputs.union(family.batch_inputs(config))
  return inputs


def derived_metrics(config: config_lib.ExperimentConfig,
                    metrics: Dict[str, float]) -> Dict[str, float]:
  """The loop's metrics (floats) and what each active family derives from them."""
  out = dict(metrics)
  for family in active_families(config):
    out.update(family.derived_metrics(config, metrics))
  return out


def replica_split_sizes(config: config_lib.ExperimentConfig) -> Dict[str, int]:
  """{setting: global size} of every batch the replicas split evenly: the unlabelled batch and
  what the active families add to it (the one home of the replica divisibility rule)."""
  return {"batch_size": config.train.batch_size, **batch_inputs(config).split_sizes()}


def progress_fields(config: config_lib.ExperimentConfig,
                    metrics: Dict[str, float]) -> Dict[str, str]:
  """The progress line's fields: each active family's, in FAMILIES order."""
  fields = {}
  for family in active_families(config):
    fields.update(family.progress_fields(config, metrics))
  return fields


class Objective:
  """The named D and G terms of one replica's step: the active families' terms, summed by the
  step.

  Args:
    config: The experiment config.
    rng: Random generator for augmentations (per-replica stream under a strategy).
    pixel_range: The architecture's (low, high) pixel values; low is the background (fill
      for shifts and cut-outs).
    global_batch: Global size of the unlabelled (and generated) batch.
    average: The moving average of D (a Discriminator) when the run keeps one.
    state: The families' checkpointed state (`create_state`); None makes it here.
    step: The run's step counter, for families with a schedule (None: step 0).
  """

  def __init__(self, config: config_lib.ExperimentConfig, rng: tf.random.Generator,
               pixel_range: Tuple[float, float], global_batch: int, average=None,
               state: Optional[Dict[str, Any]] = None, step: Optional[tf.Variable] = None):
    self.config = config
    self.context = StepContext(config, rng, tuple(pixel_range), global_batch, average,
                               create_state(config) if state is None else state, step)
    self.families = [family(self.context) for family in active_families(config)]

  def generate(self, G, fake: tf.Tensor, latent: LatentSample) -> Dict[str, tf.Tensor]:
    """What the families generate themselves this step beside `fake` (call on G's tape); {}
    for most runs."""
    generated = {}
    for family in self.families:
      generated.update(family.generate(G, fake, latent))
    return generated

  def own_networks(self) -> List[Tuple[Any, List[tf.Variable]]]:
    """(optimizer, variables) of the families' own networks, trained in the D step."""
    return [pair for family in self.families for pair in family.own_networks()]

  def discriminator_terms(self, D, batch: Dict[str, tf.Tensor], fake: tf.Tensor,
                          latent: LatentSample, generated: Optional[Dict[str, tf.Tensor]] = None
                          ) -> Tuple[Terms, Logs]:
    """The D-step terms and diagnostics (call inside the D tape).

    Args:
      D: The Discriminator.
      batch: {'images': [b, H, W, C]} and what the families need (`batch_inputs`).
      fake: [b, H, W, C] generated images (gradient stopped by the caller).
      latent: The LatentSample that made `fake`.
      generated: `generate`'s tensors (gradient stopped by the caller).

    Returns:
      (terms, logs), every family's.
    """
    real_out = D(batch["images"], training=True)
    fake_out = D(fake, training=True)
    d_pass = DiscriminatorPass(batch, fake, latent, real_out, fake_out,
                               infogan.info_loss(self.config, fake_out, latent),
                               dict(generated or {}))
    return self._gather(family.discriminator_terms(D, d_pass) for family in self.families)

  def generator_terms(self, D, fake: tf.Tensor, latent: LatentSample,
                      generated: Optional[Dict[str, tf.Tensor]] = None) -> Tuple[Terms, Logs]:
    """The G-step terms and diagnostics (call inside the G tape, after the D update).

    Args:
      D: The Discriminator (already updated this step).
      fake: [b, H, W, C] generated images, on G's tape.
      latent: The LatentSample that made `fake`.
      generated: `generate`'s tensors, on G's tape.

    Returns:
      (terms, logs), every family's.
    """
    fake_out = D(fake, training=True)
    g_pass = GeneratorPass(fake, latent, fake_out,
                           infogan.info_loss(self.config, fake_out, latent),
                           dict(generated or {}))
    return self._gather(family.generator_terms(D, g_pass) for family in self.families)

  def _gather(self, results) -> Tuple[Terms, Logs]:
    terms, logs = {}, {}
    for family_terms, family_logs in results:
      for name, value in family_terms.items():
        if name in terms:
          raise ValueError(f"two loss families define the term {name!r}")
        terms[name] = value
      logs.update(family_logs)
    return terms, logs
