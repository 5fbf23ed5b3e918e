"""Command-line tools over `infogan_tf.serving` (nothing imports this package).

  python -m export.main         a trained workdir -> a TF Serving SavedModel version
  python -m export.client_main  requests to a running TF Serving (gRPC or REST)
"""
