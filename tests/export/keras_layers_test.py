"""The exported encoder inside a new Keras model: frozen features + a head trained on labels."""

import numpy as np
import tensorflow as tf

from infogan_tf.serving import keras_layers
from infogan_tf import data as data_lib
from infogan_tf import config as config_lib


def test_tfsm_encoder_matches_saved_model(exported):
  layer = keras_layers.encoder_layer(exported.path)
  images = np.full([2, 28, 28, 1], 0.25, np.float32)
  via_keras = layer(images)
  direct = tf.saved_model.load(exported.path).signatures["encode"](images=tf.constant(images))
  np.testing.assert_allclose(via_keras["features"], direct["features"].numpy(), atol=1e-6)


def test_probe_trains_only_its_head_on_few_labels(exported):
  source = data_lib.load_source(config_lib.DataConfig(name="procedural", num_examples=256))
  batch = next(iter(data_lib.eval_batches(source, 256, (0.0, 1.0))))
  images, labels = batch["image"].numpy(), batch["label"].numpy()
  probe = keras_layers.build_probe(exported.path, (28, 28, 1), num_classes=4)
  assert [w.path for w in probe.trainable_weights] == ["probe_out/kernel", "probe_out/bias"]
  assert not any("encoder" in w.path for w in probe.weights)  # nothing of the encoder trains
  frozen = tf.saved_model.load(exported.path).signatures["encode"](
      images=tf.constant(images[:4]))["features"].numpy()
  probe.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
  history = probe.fit(images, labels, epochs=15, batch_size=32, verbose=0)
  assert history.history["accuracy"][-1] > 0.5  # chance is 0.25 for 4 shapes
  probs = probe.predict(images[:4], verbose=0)
  np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)
  after = keras_layers.encoder_layer(exported.path)(images[:4])["features"].numpy()
  np.testing.assert_allclose(after, frozen, atol=1e-6)  # the encoder stayed frozen
