"""Export trained InfoGAN workdirs as TF Serving SavedModels, and talk to them.

Modules: signatures (the serving contract), exporter (SavedModel + versions), warmup (TF Serving
warmup records), client (REST/gRPC requests and responses), main (the CLI).
"""
