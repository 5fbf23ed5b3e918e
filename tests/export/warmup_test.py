"""The warmup records parse as PredictionLogs and replay against the loaded SavedModel."""

import os

import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

import infogan_tf as ig

from infogan_tf.serving import signatures as sig
from infogan_tf.serving import warmup
from infogan_tf import config as config_lib
from tests import export_helpers


def test_warmup_records_replay(exported, trained_workdir):
  path = os.path.join(exported.path, warmup.ASSETS_EXTRA, warmup.WARMUP_FILENAME)
  logs = [prediction_log_pb2.PredictionLog.FromString(record.numpy())
          for record in tf.data.TFRecordDataset(path)]
  keys = export_helpers.expected_outputs(ig.InfoGAN(config_lib.load_config(trained_workdir)))
  names = [log.predict_log.request.model_spec.signature_name for log in logs]
  assert sorted(names) == sorted(k for k in keys if k != sig.SERVING_DEFAULT)
  loaded = tf.saved_model.load(exported.path)
  for log in logs:
    request = log.predict_log.request
    assert request.model_spec.name == "infogan"
    outputs = loaded.signatures[request.model_spec.signature_name](
        **warmup.request_inputs(request))
    assert tuple(sorted(outputs)) == keys[request.model_spec.signature_name]


def test_too_many_records_refused(tmp_path):
  import pytest
  with pytest.raises(ValueError, match="1000"):
    warmup.write_warmup(str(tmp_path), [None] * 1001)
