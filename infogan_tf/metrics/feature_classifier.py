"""A small CNN classifier trained on a dataset's labels, whose penultimate features define the
space of the Fréchet distance. Trained once per dataset and image shape, saved, and reused so
scores from different runs are comparable."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Callable, Optional, Tuple

import keras
import numpy as np

FEATURE_LAYER = "features"
def default_dir() -> str:
  """~/.cache/infogan_tf/classifiers, read when asked (HOME may change after import)."""
  return os.path.join(os.path.expanduser("~"), ".cache", "infogan_tf", "classifiers")


def build_classifier(image_shape: Tuple[int, int, int], num_classes: int) -> keras.Model:
  """conv32 -> conv64 (s2) -> conv128 (s2) -> flatten -> FC128 ('features') -> softmax."""
  inputs = keras.Input(image_shape)
  x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
  x = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
  x = keras.layers.Conv2D(128, 3, strides=2, padding="same", activation="relu")(x)
  x = keras.layers.Flatten()(x)
  features = keras.layers.Dense(128, activation="relu", name=FEATURE_LAYER)(x)
  outputs = keras.layers.Dense(num_classes, activation="softmax")(features)
  return keras.Model(inputs, outputs, name="feature_classifier")


def classifier_path(directory: str, dataset: str, image_shape, pixel_range) -> str:
  key = f"{dataset}-{'x'.join(map(str, image_shape))}-{pixel_range[0]:g}_{pixel_range[1]:g}"
  digest = hashlib.sha1(key.encode()).hexdigest()[:8]
  return os.path.join(directory, f"{dataset}_{digest}.keras")


def load_or_train(directory: Optional[str], dataset: str, image_shape, pixel_range,
                  num_classes: int, train_data: Callable[[], Tuple[np.ndarray, np.ndarray]],
                  test_data: Callable[[], Tuple[np.ndarray, np.ndarray]], epochs: int = 5,
                  seed: int = 0, min_steps: int = 400) -> Tuple[keras.Model, dict]:
  """Loads the saved classifier for (dataset, shape, range) or trains and saves it.

  Args:
    directory: Where classifiers live (default ~/.cache/infogan_tf/classifiers).
    dataset: Dataset name.
    image_shape: (H, W, C).
    pixel_range: Pixel range of the images it will see (the GAN's range).
    num_classes: Label classes.
    train_data: Returns (images, labels) to train on (called only when training).
    test_data: Returns (images, labels) to report accuracy on.
    epochs: Training epochs (more when needed to reach `min_steps` updates on small data).
    seed: Seed.
    min_steps: Minimum number of batch-128 updates.

  Returns:
    (classifier mapping images -> [B, num_classes] probabilities, info dict with path and test
    accuracy); `feature_model(classifier)` maps images -> [B, 128] features.
  """
  directory = directory or default_dir()
  path = classifier_path(directory, dataset, image_shape, pixel_range)
  info_path = path + ".json"
  if os.path.exists(path) and os.path.exists(info_path):
    model = keras.saving.load_model(path)
    with open(info_path) as f:
      info = json.load(f)
  else:
    keras.utils.set_random_seed(seed)
    model = build_classifier(tuple(image_shape), num_classes)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = train_data()
    epochs = max(epochs, -(-min_steps * 128 // max(1, len(y))))
    model.fit(x, y, batch_size=128, epochs=epochs, verbose=0, shuffle=True)
    tx, ty = test_data()
    accuracy = float(model.evaluate(tx, ty, batch_size=500, verbose=0)[1])
    os.makedirs(directory, exist_ok=True)
    tmp = path + ".tmp.keras"
    model.save(tmp)
    os.replace(tmp, path)
    info = {"path": path, "dataset": dataset, "image_shape": list(image_shape),
            "pixel_range": list(pixel_range), "test_accuracy": accuracy, "epochs": epochs,
            "train_examples": int(len(y))}
    with open(info_path, "w") as f:
      json.dump(info, f, indent=2)
  return model, info


def feature_model(classifier: keras.Model) -> keras.Model:
  """The classifier's penultimate features: images -> [B, 128]."""
  return keras.Model(classifier.inputs, classifier.get_layer(FEATURE_LAYER).output)
