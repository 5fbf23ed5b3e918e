"""TF Serving warmup records: real PredictionLog protos, one per signature.

TF Serving replays `<version>/assets.extra/tf_serving_warmup_requests` (a TFRecord file of
PredictionLog, at most 1000 records) when it loads a version, so the first user request does
not pay for graph initialisation.
"""

from __future__ import annotations

import os
from typing import Dict, List

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

from infogan_tf.serving import signatures as sig

WARMUP_FILENAME = "tf_serving_warmup_requests"
ASSETS_EXTRA = "assets.extra"


def blank_png(height: int, width: int, channels: int) -> bytes:
  """A mid-grey PNG of the given size."""
  return tf.io.encode_png(np.full([height, width, channels], 128, np.uint8)).numpy()


def example_inputs(model, batch: int = 2) -> Dict[str, Dict[str, np.ndarray]]:
  """Small valid inputs for every signature of an InfoGAN's export (warmup, smoke tests)."""
  spec = model.spec
  h, w, ch = model.image_shape
  sample = spec.numpy_sample(batch, seed=0)
  generate = {}
  if spec.noise_dim:
    generate["noise"] = sample.noise
  if spec.categorical:
    generate["categorical"] = np.stack(sample.categorical, axis=-1).astype(np.int32)
  if spec.num_continuous:
    generate["continuous"] = sample.continuous
  count_seed = {"count": np.array(batch, np.int32), "seed": np.array(0, np.int64)}
  inputs = {
      sig.ENCODE: {"images": np.full([batch, h, w, ch], 0.5, np.float32)},
      sig.ENCODE_IMAGE_BYTES: {"image_bytes": np.array([blank_png(h, w, ch)] * batch,
                                                       dtype=object)},
      sig.GENERATE: generate,
      sig.SAMPLE: count_seed,
      sig.INVERT: {"images": np.full([batch, h, w, ch], 0.5, np.float32)},
      sig.INVERT_WITH_SETTINGS: {"images": np.full([batch, h, w, ch], 0.5, np.float32),
                                 "steps": np.array(2, np.int32),
                                 "restarts": np.array(2, np.int32),
                                 "seed": np.array(0, np.int64)},
  }
  if spec.categorical or spec.num_continuous:
    fixed = dict(count_seed)
    if spec.categorical:
      fixed["categorical"] = np.array([0] + [-1] * (len(spec.categorical) - 1), np.int32)
    if spec.num_continuous:
      fixed["continuous"] = np.array([0.5] + [np.nan] * (spec.num_continuous - 1), np.float32)
    inputs[sig.SAMPLE_WITH_CODES] = fixed
  if model.class_outputs:
    inputs[sig.GENERATE_CLASS] = {"classes": np.zeros([batch], np.int32),
                                  "seed": np.array(0, np.int64)}
  return inputs


def predict_request(model_name: str, signature: str, inputs: Dict[str, np.ndarray],
                    version: int = None) -> predict_pb2.PredictRequest:
  """A PredictRequest proto for one signature."""
  request = predict_pb2.PredictRequest(
      model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature))
  if version is not None:
    request.model_spec.version.value = int(version)
  for name, value in inputs.items():
    request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
  return request


def warmup_logs(model, model_name: str) -> List[prediction_log_pb2.PredictionLog]:
  """One PredictionLog per signature of an InfoGAN's export, with valid example inputs."""
  logs = []
  for signature, inputs in example_inputs(model).items():
    request = predict_request(model_name, signature, inputs)
    logs.append(prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request)))
  return logs


def write_warmup(saved_model_dir: str, logs: List[prediction_log_pb2.PredictionLog]) -> str:
  """Writes the records into saved_model_dir/assets.extra/ and returns the file path."""
  if len(logs) > 1000:
    raise ValueError("TF Serving reads at most 1000 warmup records")
  path = os.path.join(saved_model_dir, ASSETS_EXTRA, WARMUP_FILENAME)
  os.makedirs(os.path.dirname(path), exist_ok=True)
  with tf.io.TFRecordWriter(path) as writer:
    for log in logs:
      writer.write(log.SerializeToString())
  return path


def request_inputs(request: predict_pb2.PredictRequest) -> Dict[str, tf.Tensor]:
  """The request's inputs as tensors (for replaying against a loaded SavedModel)."""
  return {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
