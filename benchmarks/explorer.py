r"""How fast the explorer redraws: latency of a slider move (POST /api/grid, 16 images) at the
API, over an export loaded in process, and optionally a screenshot of the page.

  python -m benchmarks.explorer --model_dir=/tmp/models/infogan [--requests=100] \
      [--screenshot=docs/figures/explorer.png --upload=IMAGE.png] [--screenshot_only]

Each request moves one continuous code a step along [-2, 2] (as a dragged slider does) and asks
for 16 images; the latency is the client's round trip (HTTP, the model's `sample_with_codes`,
PNG encoding, JSON). Requests go one at a time, as the page sends them. Writes
benchmarks/results/explorer.json (docs/results.md, rendered).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time

import numpy as np

from benchmarks import record


def measure(url: str, model: dict, requests: int, count: int = 16) -> list:
  host, port = url.split("//")[1].rstrip("/").split(":")
  conn = http.client.HTTPConnection(host, int(port), timeout=60)
  values = np.linspace(-2.0, 2.0, requests)
  latencies = []
  for i in range(requests + 5):  # the first 5 warm up, not counted
    body = {"seed": 1, "count": count, "categorical": [0] * len(model["categorical"]),
            "continuous": [float(values[i % requests])] + [0.0] * (model["continuous"] - 1)}
    t0 = time.perf_counter()
    conn.request("POST", "/api/grid", body=json.dumps(body),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = json.loads(response.read())
    elapsed = (time.perf_counter() - t0) * 1000.0
    if response.status != 200 or len(payload["images"]) != count:
      raise RuntimeError(f"grid request failed: {response.status} {payload}")
    if i >= 5:
      latencies.append(elapsed)
  conn.close()
  return latencies


def screenshot(url: str, path: str, upload: str = None) -> None:
  """The page after a slider move (and an encoded upload), saved as PNG."""
  from selenium import webdriver  # pylint: disable=g-import-not-at-top
  from selenium.webdriver.chrome.service import Service  # pylint: disable=g-import-not-at-top
  from selenium.webdriver.common.by import By  # pylint: disable=g-import-not-at-top
  from selenium.webdriver.common.keys import Keys  # pylint: disable=g-import-not-at-top
  options = webdriver.ChromeOptions()
  options.binary_location = "/usr/bin/chromium"
  for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-background-networking", "--window-size=1150,1400"):
    options.add_argument(arg)
  driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
  try:
    driver.get(url)
    time.sleep(2)
    driver.find_element(By.ID, "cont0").send_keys(*[Keys.ARROW_RIGHT] * 16)  # 0 -> 0.8
    if upload:
      driver.find_element(By.ID, "file").send_keys(os.path.abspath(upload))
      deadline = time.time() + 60  # until the page shows the codes (or says why not)
      while time.time() < deadline and not (
          driver.find_element(By.ID, "encode-result").is_displayed()
          or driver.find_element(By.ID, "encode-error").text):
        time.sleep(0.2)
    time.sleep(3)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    driver.save_screenshot(path)
  finally:
    driver.quit()


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--model_dir", required=True)
  parser.add_argument("--requests", type=int, default=100)
  parser.add_argument("--screenshot", default=None)
  parser.add_argument("--upload", default=None, help="An image to encode in the screenshot.")
  parser.add_argument("--screenshot_only", action="store_true",
                      help="Take the screenshot; measure and write nothing else.")
  parser.add_argument("--label", default=None)
  args = parser.parse_args()
  from infogan_tf import explorer  # pylint: disable=g-import-not-at-top

  app = explorer.Explorer(explorer.LocalBackend(args.model_dir))
  httpd = explorer.make_server(app, "127.0.0.1", 0)
  threading.Thread(target=httpd.serve_forever, daemon=True).start()
  try:
    latencies = [] if args.screenshot_only else measure(httpd.url, app.info(), args.requests)
    if args.screenshot:
      screenshot(httpd.url, args.screenshot, args.upload)
  finally:
    httpd.shutdown()
    httpd.server_close()
  if args.screenshot_only:
    return
  lat = np.array(latencies)
  m = app.model
  result = {"model_dir": os.path.abspath(args.model_dir), "label": args.label,
            "image_shape": list(m.image_shape), "noise_dim": m.noise_dim,
            "categorical": list(m.categorical), "continuous": m.continuous,
            "requests": args.requests, "images_per_request": 16,
            "p50_ms": float(np.percentile(lat, 50)), "p95_ms": float(np.percentile(lat, 95)),
            "max_ms": float(lat.max()), "latencies_ms": [round(x, 2) for x in latencies]}
  print("wrote", record.write("explorer", result))
  print(json.dumps({k: v for k, v in result.items() if k != "latencies_ms"}))

if __name__ == "__main__":
  main()
