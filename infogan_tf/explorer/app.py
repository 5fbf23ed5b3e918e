"""What the explorer page asks for, independent of HTTP: the model's controls, a grid of images
for the current codes, a traversal, Q's codes of an uploaded image with its inversion (its own
noise and codes), and G's image of an edit of them.

Every request is checked here before anything proportional to it is asked of the model; every
answer is JSON-able; every refusal is an `ExplorerError` with an HTTP status and one line meant
for the page.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any, Dict, Optional

import numpy as np

from infogan_tf.data import image_files
from infogan_tf.explorer.backends import Backend, BackendError, ModelInfo
from infogan_tf.serving.client import images_to_uint8, predict_in_parts

SLIDER_RANGE = 2.0  # the page's sliders span [-2, 2] (the paper's traversals)
MAX_CODE_VALUE = 10.0  # what the API accepts for a continuous code (beyond: far off the prior)
MAX_GRID = 64
MAX_TRAVERSAL_STEPS = 16
MAX_SEED = 2 ** 31 - 1
# Uploads are model-sized images; a 64x64 RGB PNG is ~12 KB, an uncompressed BMP of it ~12 KB.
MAX_UPLOAD_BYTES = image_files.MAX_IMAGE_FILE_BYTES
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/bmp", "image/x-ms-bmp"}
QUOTE_CHARS = 80  # a refused value is quoted up to this many characters, never whole


class ExplorerError(ValueError):
  """A request the explorer refuses or cannot answer: `status` (HTTP) and a one-line message."""

  def __init__(self, message: str, status: int = 400):
    super().__init__(message)
    self.status = status


def png_data_url(image: np.ndarray) -> str:
  """uint8 [H, W, C] -> a data: URL of its PNG (the page's <img> source)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  png = tf.io.encode_png(image).numpy()
  return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def blank_png(image_shape) -> bytes:
  """A black PNG of `image_shape` (H, W, C): the warm-up upload."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return tf.io.encode_png(tf.zeros(image_shape, tf.uint8)).numpy()


def clipped(text: str) -> str:
  """`text` cut to QUOTE_CHARS characters (a 60 KB value is not sent back whole)."""
  return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 3] + "..."


def quoted(value: Any) -> str:
  """repr(value), `clipped`."""
  return clipped(repr(value))


def int_text(text: str):
  """A query parameter as an int when it is one in ASCII digits (at most 18), else the text
  (refused by `int_param` with the text quoted)."""
  return int(text) if re.fullmatch(r"-?[0-9]{1,18}", text) else text


def int_param(params: Dict[str, Any], name: str, low: int, high: int, default=None) -> int:
  value = params.get(name, default)
  if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
    raise ExplorerError(f"'{name}' must be an integer in [{low}, {high}], got {quoted(value)}")
  return value


def _list(params: Dict[str, Any], name: str, length: int) -> list:
  value = params.get(name, [])
  if not isinstance(value, list) or len(value) != length:
    raise ExplorerError(f"'{name}' must be a list of {length} values, got {quoted(value)}")
  return value


def _numbers(params: Dict[str, Any], name: str, length: int, what: str) -> list:
  """`params[name]`: a list of `length` finite numbers within +-MAX_CODE_VALUE."""
  values = _list(params, name, length)
  for j, value in enumerate(values):
    if (isinstance(value, bool) or not isinstance(value, (int, float))
        or not math.isfinite(value) or abs(value) > MAX_CODE_VALUE):
      raise ExplorerError(f"{what} {j} must be a number in [-{MAX_CODE_VALUE:g}, "
                          f"{MAX_CODE_VALUE:g}], got {quoted(value)}")
  return values


class Explorer:
  """The page's API over a backend (`LocalBackend` or `ServingBackend`)."""

  def __init__(self, backend: Backend, warm_up: bool = True):
    self.backend = backend
    self.model: ModelInfo = backend.describe()
    if warm_up:  # the first slider move and upload are then as fast as the next ones
      self.grid({"categorical": [0] * len(self.model.categorical),
                 "continuous": [0.0] * self.model.continuous})
      self.encode(blank_png(self.model.image_shape))

  # ---- requests -------------------------------------------------------------------------

  def info(self) -> Dict[str, Any]:
    """The controls: code sizes, category names, the slider range, limits."""
    return {**self.model.to_json(), "slider_range": SLIDER_RANGE,
            "max_upload_bytes": MAX_UPLOAD_BYTES, "max_grid": MAX_GRID}

  def codes(self, params: Dict[str, Any]) -> tuple:
    """(categorical [n_cat] int32, continuous [C] float32) from the request, checked."""
    m = self.model
    cats = _list(params, "categorical", len(m.categorical))
    for i, (value, k) in enumerate(zip(cats, m.categorical)):
      if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < k:
        raise ExplorerError(f"categorical code {i} must be an integer in [0, {k}), got "
                            f"{quoted(value)}")
    conts = _numbers(params, "continuous", m.continuous, "continuous code")
    return np.array(cats, np.int32), np.array(conts, np.float32)

  def _inputs(self, categorical: np.ndarray, continuous: np.ndarray) -> Dict[str, np.ndarray]:
    """Only the code parts the model has (the signatures leave the others out)."""
    inputs = {}
    if self.model.categorical:
      inputs["categorical"] = categorical
    if self.model.continuous:
      inputs["continuous"] = continuous
    return inputs

  def grid(self, params: Dict[str, Any]) -> Dict[str, Any]:
    """`count` images with the given codes, noise drawn from `seed` (`sample_with_codes`)."""
    count = int_param(params, "count", 1, MAX_GRID, 16)
    seed = int_param(params, "seed", 0, MAX_SEED, 0)
    categorical, continuous = self.codes(params)
    out = self._predict("sample_with_codes", {
        "count": np.int32(count), "seed": np.int64(seed),
        **self._inputs(categorical, continuous)})
    return {"images": [png_data_url(x) for x in images_to_uint8(out["images"])]}

  def traversal(self, params: Dict[str, Any]) -> Dict[str, Any]:
    """The paper's Figure 2 from `generate`: a row per category of categorical code `cat`, a
    column per value of continuous code `cont` over the slider range; a row's noise and other
    codes come from `sample` (seed), the other continuous codes are 0."""
    m = self.model
    if not m.categorical or not m.continuous:
      raise ExplorerError("a traversal needs a categorical and a continuous code; this model "
                          f"has {len(m.categorical)} and {m.continuous}")
    cat = int_param(params, "cat", 0, len(m.categorical) - 1)
    cont = int_param(params, "cont", 0, m.continuous - 1)
    steps = int_param(params, "steps", 2, MAX_TRAVERSAL_STEPS, 7)
    seed = int_param(params, "seed", 0, MAX_SEED, 0)
    rows = m.categorical[cat]
    drawn = self._predict("sample", {"count": np.int32(rows), "seed": np.int64(seed)})
    values = np.linspace(-SLIDER_RANGE, SLIDER_RANGE, steps).astype(np.float32)  # [S]
    categorical = np.repeat(drawn["categorical"], steps, axis=0)  # [rows * S, n_cat]
    categorical[:, cat] = np.repeat(np.arange(rows), steps)
    continuous = np.zeros([rows * steps, m.continuous], np.float32)  # [rows * S, C]
    continuous[:, cont] = np.tile(values, rows)
    inputs = {"categorical": categorical.astype(np.int32), "continuous": continuous}
    if m.noise_dim:
      inputs["noise"] = np.repeat(drawn["noise"], steps, axis=0)  # [rows * S, Z]
    images = images_to_uint8(self._predict("generate", inputs)["images"])  # [rows * S, H, W, C]
    names = m.category_names[cat] or [str(k) for k in range(rows)]
    return {"row_names": list(names), "values": [float(v) for v in values],
            "rows": [[png_data_url(x) for x in images[r * steps:(r + 1) * steps]]
                     for r in range(rows)]}

  def encode(self, data: bytes, seed: int = 0) -> Dict[str, Any]:
    """Q's codes of one image file of the model's size, the pixels Q saw (`input`: the file as
    decoded, so a JPEG's EXIF rotation is not applied, as the page shows) and G's image of those
    codes (`generated`, with the noise of `sample(seed)`'s first image)."""
    m = self.model
    if not data:
      raise ExplorerError("the upload is empty: pick an image file")
    codes = self._predict("encode_image_bytes", {"image_bytes": np.array([data], object)})
    out: Dict[str, Any] = {"categorical": [], "continuous": [],
                           "input": png_data_url(images_to_uint8(codes["images"])[0])}
    for i, k in enumerate(m.categorical):
      probs = codes[f"cat{i}_probs"][0]  # [k]
      names = m.category_names[i] or [str(c) for c in range(k)]
      entry = {"probs": [float(p) for p in probs], "argmax": int(np.argmax(probs)),
               "names": list(names)}
      if m.class_outputs[i]:
        entry["class"] = names[int(codes[m.class_outputs[i]][0])]
      out["categorical"].append(entry)
    if m.continuous:
      out["continuous"] = [float(v) for v in codes["continuous_mean"][0]]
    categorical = np.array([[e["argmax"] for e in out["categorical"]]], np.int32)
    continuous = np.clip(np.array([out["continuous"]], np.float32).reshape([1, m.continuous]),
                         -MAX_CODE_VALUE, MAX_CODE_VALUE)
    inputs = self._inputs(categorical, continuous)
    if m.noise_dim:
      inputs["noise"] = self._predict("sample", {"count": np.int32(1),
                                                 "seed": np.int64(seed)})["noise"]
    out["generated"] = png_data_url(images_to_uint8(self._predict("generate", inputs)["images"])[0])
    out["edit"] = self._invert(codes["images"]) if m.invertible else None
    return out

  def _invert(self, images: np.ndarray) -> Dict[str, Any]:
    """The image's own noise and codes (`invert`), G's image of them and its error: where the
    page's edits start."""
    found = self._predict("invert", {"images": images})
    edit = {"image": png_data_url(images_to_uint8(found["images"])[0]),
            "error": float(found["error"][0]),
            "noise": [float(v) for v in found["noise"][0]] if "noise" in found else [],
            "categorical": [int(v) for v in found["categorical"][0]]
            if "categorical" in found else [],
            "continuous": [float(v) for v in found["continuous"][0]]
            if "continuous" in found else []}
    return edit

  def edit(self, params: Dict[str, Any]) -> Dict[str, Any]:
    """G's image of given noise and codes (an inverted image's, one of them changed)."""
    m = self.model
    categorical, continuous = self.codes(params)
    inputs = self._inputs(categorical[None, :], continuous[None, :])
    if m.noise_dim:
      inputs["noise"] = np.array([_numbers(params, "noise", m.noise_dim, "noise")], np.float32)
    images = images_to_uint8(self._predict("generate", inputs)["images"])
    return {"image": png_data_url(images[0])}

  # ---- the model ---------------------------------------------------------------------------

  def _predict(self, signature: str, inputs: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """The backend's answer; a request over the signature's cap per request (a traversal of
    many categories) is sent in parts (`client.predict_in_parts`)."""
    try:
      return predict_in_parts(self.backend.predict, signature, inputs, refusal=BackendError)
    except BackendError as e:
      raise ExplorerError(readable(str(e), self.model), e.status) from e


def readable(message: str, model: ModelInfo) -> str:
  """The signatures' refusals in the page's words (the original kept after a colon)."""
  h, w, c = model.image_shape
  size = re.search(r"must decode to \d+x\d+ images, got\D*(\d+)\D+(\d+)", message)
  if size:
    return (f"the model takes {h}x{w} images; this one is {size.group(2)} wide and "
            f"{size.group(1)} high (resize it first)")
  refusal = re.search(r"image_bytes: ([^\]]+)\]((?: \[[^\]]*\])*)", message)
  if refusal:  # image_files' refusals: their text and numbers
    numbers = re.findall(r"\[([^\]]*)\]", refusal.group(2))
    return " ".join([refusal.group(1).replace("\\'", "'"), *numbers]).strip()
  if re.search(r"Unknown image file format|decode_image|Invalid PNG|Invalid JPEG|"
               r"not a valid|Input is empty|Corrupt|jpeg::|Invalid GIF|bmp", message):
    return ("not an image file the model can read (PNG, JPEG, GIF or BMP of "
            f"{h}x{w} pixels)")
  return message


def _media_type(content_type: Optional[str]) -> str:
  return (content_type or "").split(";")[0].strip().lower()


def check_upload_type(content_type: Optional[str]) -> None:
  """Refuses (415) an upload whose declared type is not an image type or
  application/octet-stream; none declared is refused too (a page on another origin can send a
  body without a type, or as text/plain or a form, without asking first)."""
  kind = _media_type(content_type)
  if kind not in IMAGE_TYPES and kind != "application/octet-stream":
    got = f"is {quoted(kind)}" if kind else "has no Content-Type"
    raise ExplorerError(f"the upload {got}, not an image: send a PNG, JPEG, GIF or BMP file as "
                        "image/png, image/jpeg, image/gif, image/bmp or "
                        "application/octet-stream", 415)


def check_json_type(content_type: Optional[str]) -> None:
  """Refuses (415) a JSON request not declared as application/json."""
  kind = _media_type(content_type)
  if kind != "application/json":
    got = f"is {quoted(kind)}" if kind else "has no Content-Type"
    raise ExplorerError(f"the request {got}: send JSON as application/json", 415)
