"""The package's periodic work as Keras callbacks, for `InfoGAN.fit`.

  model.fit(model.training_dataset(), epochs=10, steps_per_epoch=500, callbacks=[
      ig.callbacks.Evaluate(),                      # ACC / NMI / L_I into the epoch's logs
      ig.callbacks.Traversals("run/traversals"),    # the paper's traversal grids, as PNGs
      ig.callbacks.NonFiniteGuard(),                # refuse NaN/Inf weights: stop, save nothing
      ig.callbacks.CalibrateBatchNorm(),            # real images' BatchNorm statistics ...
      keras.callbacks.ModelCheckpoint("run/infogan.keras"),   # ... then the save
      keras.callbacks.TensorBoard("run/logs")])     # after Evaluate: it logs the scores too

Keras runs callbacks in the order listed; each of these acts at the end of an epoch (every
`every` epochs), which with `steps_per_epoch` is a step count. They are what `trainers.main`
does between its compiled loops (`infogan_tf.training.periodic_actions`), on the model itself.
"""

from __future__ import annotations

import os
from typing import Optional

import keras
import numpy as np
import tensorflow as tf

from infogan_tf import data as data_lib
from infogan_tf import visualize
from infogan_tf.errors import NonFiniteLossError
from infogan_tf.evaluation import arrays
from infogan_tf.metrics import clustering
from infogan_tf.training import checkpointing

CALIBRATION_IMAGES = 1024  # real images the BatchNorm statistics are computed from


class _EveryEpochs(keras.callbacks.Callback):
  """A callback acting at the end of every `every`-th epoch."""

  def __init__(self, every: int = 1):
    super().__init__()
    if every < 1:
      raise ValueError(f"every must be >= 1 epoch, got {every}")
    self.every = every

  def on_epoch_end(self, epoch, logs=None):
    if (epoch + 1) % self.every == 0:
      self.act(epoch, logs if logs is not None else {})

  def act(self, epoch: int, logs: dict) -> None:
    raise NotImplementedError


class CalibrateBatchNorm(_EveryEpochs):
  """Sets every discriminator's inference-mode BatchNorm statistics to those of real images, as
  `trainers.main` does before each checkpoint (so the saved model encodes real images as
  training did). List it before `ModelCheckpoint`.

  Args:
    images: [N, H, W, C] real images in [0, 1] (default: the first 1024 of the config's data).
    every: Epochs between calibrations.
  """

  def __init__(self, images=None, every: int = 1):
    super().__init__(every)
    self.images = images

  def act(self, epoch, logs):
    model = self.model
    if self.images is None:
      source = data_lib.load_source(model.config.data, seed=0)
      self.images = data_lib.first_images(source, CALIBRATION_IMAGES, (0.0, 1.0))
    images = model.from_unit(self.images)
    for discriminator in model.discriminators:
      discriminator.calibrate_inference_statistics(images)


class NonFiniteGuard(_EveryEpochs):
  """Stops training at the first NaN/Inf in the weights or optimizer state, before any later
  callback (a ModelCheckpoint) saves them: raises NonFiniteLossError naming the tensors.
  (`keras.callbacks.TerminateOnNaN` stops on a NaN 'loss' only.)"""

  def act(self, epoch, logs):
    model = self.model
    bad = checkpointing.non_finite_variables(
        list(model.variables) + list(model.g_optimizer.variables)
        + list(model.d_optimizer.variables))
    bad += [k for k, v in logs.items() if isinstance(v, float) and not np.isfinite(v)]
    if bad:
      model.stop_training = True
      shown = ", ".join(bad[:3]) + (", ..." if len(bad) > 3 else "")
      raise NonFiniteLossError(f"non-finite values in {len(bad)} tensors or logs ({shown}) "
                               f"after epoch {epoch + 1} (step {int(model.step.numpy())}): "
                               "lower the learning rates or lambdas; nothing was saved after "
                               "them by the callbacks listed after this one")


class Traversals(_EveryEpochs):
  """Writes the paper's traversal grids (each categorical code's categories against each
  continuous code) as PNGs: `<directory>/<grid>_step<N>.png` and `<grid>.png` (the latest).

  Args:
    directory: Where the PNGs go (default `<config.train.workdir>/traversals`).
    every: Epochs between grids.
    seed: Seed of the grids' noise (the same noise every time: the grids are comparable).
  """

  def __init__(self, directory: Optional[str] = None, every: int = 1, seed: int = 0):
    super().__init__(every)
    self.directory, self.seed = directory, seed

  def act(self, epoch, logs):
    model = self.model
    directory = self.directory or os.path.join(model.config.train.workdir, "traversals")
    step = int(model.step.numpy())
    grids = visualize.display_traversal_grids(model.generator, model.spec, model.pixel_range,
                                              seed=self.seed)
    for name, grid in grids.items():
      visualize.write_png(os.path.join(directory, f"{name}_step{step:07d}.png"), grid)
      visualize.write_png(os.path.join(directory, f"{name}.png"), grid)


class Evaluate(_EveryEpochs):
  """Scores the model at the end of an epoch and adds the scores to the epoch's logs (so a
  TensorBoard or CSVLogger listed after it records them): per categorical code 'eval/acc_cat<i>'
  and 'eval/nmi_cat<i>' on labelled evaluation images (Hungarian-matched accuracy, NMI), and
  'eval/info_<code>' (L_I on generated images, in nats; H(c) is its ceiling). The full report
  is `ig.evaluate(workdir)`.

  Args:
    images: [N, H, W, C] evaluation images in [0, 1] (default: the config's evaluation split,
      at most `max_images`).
    labels: [N] their class labels (-1 or None: no accuracy).
    every: Epochs between evaluations.
    max_images: Images loaded by default.
    num_samples: Generated images for L_I.
  """

  def __init__(self, images=None, labels=None, every: int = 1, max_images: int = 2000,
               num_samples: int = 2000):
    super().__init__(every)
    self.images, self.labels = images, labels
    self.max_images, self.num_samples = max_images, num_samples

  def _load(self):
    from infogan_tf.evaluation import context  # pylint: disable=g-import-not-at-top
    config = self.model.config
    source = data_lib.load_source(config.data, split=context.EVAL_SPLIT, seed=1)
    self.images, self.labels, _ = arrays.load_arrays(source, (0.0, 1.0), self.max_images)

  def act(self, epoch, logs):
    model = self.model
    if self.images is None:
      self._load()
    codes = arrays.encode(model, model.from_unit(tf.constant(self.images)).numpy())
    labels = None if self.labels is None else np.asarray(self.labels)
    if labels is not None and (labels >= 0).all():
      for i in range(len(model.spec.categorical)):
        logs[f"eval/acc_cat{i}"] = clustering.hungarian_accuracy(codes[f"cat{i}"], labels)
        logs[f"eval/nmi_cat{i}"] = clustering.normalized_mutual_information(codes[f"cat{i}"],
                                                                            labels)
    info = arrays.info_on_samples(model, self.num_samples)
    for code, values in info.items():
      logs[f"eval/info_{code}"] = values["L_I"]
