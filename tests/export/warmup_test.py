"""The warmup records parse as PredictionLogs and replay against the loaded SavedModel."""

import os

import tensorflow as tf

from infogan_tf.serving import signatures as sig
from infogan_tf.serving import warmup
from infogan_tf import config as config_lib


def test_warmup_records_replay(exported, trained_workdir):
  path = os.path.join(exported.path, warmup.ASSETS_EXTRA, warmup.WARMUP_FILENAME)
  logs = warmup.read_warmup(path)
  config = config_lib.load_config(trained_workdir)
  keys = sig.output_keys(config)
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
