"""The exporter's encoder.keras / generator.keras: reload in a fresh process, fine-tune."""

import os
import subprocess
import sys

import keras
import numpy as np
import tensorflow as tf

import infogan_tf  # noqa: F401  (registers the Keras classes)
from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from tests import helpers

RELOAD = r"""
import json, sys
import numpy as np
import infogan_tf, keras
path, inputs = sys.argv[1], np.load(sys.argv[2])
encoder = keras.models.load_model(f"{path}/encoder.keras")
generator = keras.models.load_model(f"{path}/generator.keras")
codes = encoder(inputs["images"])
images = generator({k: inputs[k] for k in ("noise", "categorical", "continuous")})
weights = {f"weight{i}": w.numpy()
           for i, w in enumerate(encoder.weights + generator.weights)}
np.savez(sys.argv[3], images=images, **{k: v for k, v in codes.items()}, **weights)
"""


def test_keras_files_reload_in_a_fresh_process_with_identical_weights(exported, tmp_path):
  """Identical weights, and the same outputs up to summation order (the fresh process may split
  a convolution over threads differently: Eigen's kernels then differ in the last bits)."""
  encoder = keras.models.load_model(os.path.join(exported.path, "encoder.keras"))
  generator = keras.models.load_model(os.path.join(exported.path, "generator.keras"))
  rs = np.random.RandomState(0)
  inputs = {"images": rs.rand(3, 28, 28, 1).astype(np.float32),
            "noise": rs.uniform(-1, 1, [3, 8]).astype(np.float32),
            "categorical": rs.randint(0, 4, [3, 1]).astype(np.int32),
            "continuous": rs.uniform(-1, 1, [3, 2]).astype(np.float32)}
  np.savez(tmp_path / "inputs.npz", **inputs)
  proc = subprocess.run([sys.executable, "-c", RELOAD, exported.path,
                         str(tmp_path / "inputs.npz"), str(tmp_path / "outputs.npz")],
                        cwd=helpers.ROOT, env=dict(os.environ, PYTHONPATH=helpers.ROOT),
                        capture_output=True, text=True, timeout=120)
  assert proc.returncode == 0, proc.stderr[-3000:]
  outputs = np.load(tmp_path / "outputs.npz")
  local_weights = encoder.weights + generator.weights
  assert len([k for k in outputs.files if k.startswith("weight")]) == len(local_weights)
  for i, w in enumerate(local_weights):
    np.testing.assert_array_equal(outputs[f"weight{i}"], w.numpy(), err_msg=w.path)
  codes = encoder(inputs["images"])
  for key in ("features", "cat0_probs", "continuous_mean"):
    helpers.assert_same_network_output(outputs[key], codes[key], err_msg=key)
  images = generator({k: inputs[k] for k in ("noise", "categorical", "continuous")})
  helpers.assert_same_network_output(outputs["images"], images)
  assert float(np.min(images)) >= 0.0 and float(np.max(images)) <= 1.0
  # The same models as the SavedModel's signatures.
  served = tf.saved_model.load(exported.path).signatures
  helpers.assert_same_network_output(
      served["encode"](images=tf.constant(inputs["images"]))["features"], codes["features"])
  helpers.assert_same_network_output(
      served["generate"](**{k: tf.constant(inputs[k])
                            for k in ("noise", "categorical", "continuous")})["images"],
      images)


def test_the_keras_encoder_fine_tunes_layer_by_layer(exported):
  source = data_lib.load_source(config_lib.DataConfig(name="procedural", num_examples=128))
  batch = next(iter(data_lib.eval_batches(source, 128, (0.0, 1.0))))
  images, labels = batch["image"].numpy(), batch["label"].numpy()
  keras.utils.set_random_seed(0)
  encoder = keras.models.load_model(os.path.join(exported.path, "encoder.keras"))
  trunk = encoder.get_layer("discriminator").trunk
  for layer in trunk[:2]:  # freeze the first conv block, fine-tune the rest
    layer.trainable = False
  frozen = [w.numpy().copy() for layer in trunk[:2] for w in layer.weights]
  tuned = trunk[2].kernel.numpy().copy()
  inputs = keras.Input((28, 28, 1))
  probs = keras.layers.Dense(4, activation="softmax")(encoder(inputs)["features"])
  model = keras.Model(inputs, probs)
  accuracy = lambda: float(np.mean(np.argmax(model.predict(images, verbose=0), -1) == labels))
  before = accuracy()
  model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
  model.fit(images, labels, epochs=16, batch_size=32, verbose=0)
  after = accuracy()
  assert after > max(before + 0.3, 0.6), (before, after)
  for old, w in zip(frozen, [w for layer in trunk[:2] for w in layer.weights]):
    np.testing.assert_array_equal(old, w.numpy())  # frozen layers stayed
  assert not np.allclose(tuned, trunk[2].kernel.numpy())  # the next layer trained
