"""The served contract is pinned: the signatures an export of a categorical + continuous model
has, and each one's input names, dtypes and output names (what TF Serving clients send and read).
A change here breaks every client: update the pin on purpose. (ss-InfoGAN exports add
`generate_class`, tested in tests/ss_infogan_test.py.)"""

import tensorflow as tf

SIGNATURES = {
    "encode": ({"images": "float32"},
               ["cat0", "cat0_probs", "continuous_mean", "continuous_std", "features"]),
    "encode_image_bytes": ({"image_bytes": "string"},
                           ["cat0", "cat0_probs", "continuous_mean", "continuous_std",
                            "features", "images"]),
    "generate": ({"categorical": "int32", "continuous": "float32", "noise": "float32"},
                 ["images"]),
    "invert": ({"images": "float32"}, ["categorical", "continuous", "error", "images", "noise"]),
    "invert_with_settings": ({"images": "float32", "restarts": "int32", "seed": "int64",
                              "steps": "int32"},
                             ["categorical", "continuous", "error", "images", "noise"]),
    "sample": ({"count": "int32", "seed": "int64"},
               ["categorical", "continuous", "images", "noise"]),
    "sample_with_codes": ({"categorical": "int32", "continuous": "float32", "count": "int32",
                           "seed": "int64"}, ["categorical", "continuous", "images", "noise"]),
    "serving_default": ({"images": "float32"},
                        ["cat0", "cat0_probs", "continuous_mean", "continuous_std", "features"]),
}


def test_the_export_serves_exactly_the_pinned_signatures(exported):
  loaded = tf.saved_model.load(exported.path)
  served = {}
  for name, function in loaded.signatures.items():
    inputs = {k: v.dtype.name for k, v in function.structured_input_signature[1].items()}
    served[name] = (inputs, sorted(function.structured_outputs))
  assert served == SIGNATURES
