"""The explorer: one page over an exported model, in this process or on TF Serving, to play with
its codes, see traversals and encode images (`python -m export.explore`).

  backends  where images come from: `LocalBackend` (an export loaded here) or `ServingBackend`
            (TF Serving's REST API); both read the model's shape by calling it
  app       `Explorer`: the page's requests (controls, grid, traversal, encode), checked
  server    the standard library's HTTP server: static page + JSON API, bounded bodies
  static/   index.html, explorer.js, explorer.css (no build step, nothing from a CDN)
"""

from infogan_tf.explorer.app import Explorer, ExplorerError
from infogan_tf.explorer.backends import (BackendError, LocalBackend, ModelDirError, ModelInfo,
                                          ServingBackend)
from infogan_tf.explorer.server import ExplorerServer, make_server

__all__ = ["BackendError", "Explorer", "ExplorerError", "ExplorerServer", "LocalBackend",
           "ModelDirError", "ModelInfo", "ServingBackend", "make_server"]
