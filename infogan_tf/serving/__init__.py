"""Serving: trained models as TF Serving SavedModels, and what talks to them.

Modules: signatures (the serving contract), exporter (SavedModel + versions + Keras files),
warmup (TF Serving warmup records), client (REST/gRPC requests and responses), keras_layers
(the exported encoder and generator as Keras layers).
"""
