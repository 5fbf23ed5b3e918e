r"""docs/results.md and the README's results table, rendered from benchmarks/results/*.json.

  python -m benchmarks.results_page           # rewrite docs/results.md and README's table
  python -m benchmarks.results_page --check   # exit 1, naming the page, if either is stale

Nothing is measured here: every figure on the page is read from a results file a benchmark
wrote (`benchmarks/record.py`), and every row names its machine (CPU model and ISA), date and
source, whose command and file are listed at the page's end. A file with `superseded_by` leaves
the page (it stays in git and in its JSON); the page says how many did and why.
tests/benchmarks/results_page_test.py fails when a committed page differs from its rendering.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
from typing import Callable, Dict, List, Optional

from benchmarks import ablation
from benchmarks.record import RESULTS, ROOT

PAGE = os.path.join(ROOT, "docs", "results.md")
README = os.path.join(ROOT, "README.md")
README_START, README_END = "<!-- results-table-start -->", "<!-- results-table-end -->"
CODE_SCORES = (("acc", "ACC"), ("nmi", "NMI"), ("mig", "MIG"), ("factor_vae", "FactorVAE"),
               ("dci", "DCI (lasso)"))


class Page:
  """The loaded results files and the source list the rows cite."""

  def __init__(self, results_dir: str = RESULTS):
    self.files: Dict[str, dict] = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
      with open(path) as f:
        data = json.load(f)
      if isinstance(data, dict):
        self.files[os.path.basename(path)] = data
    self.cited: List[str] = []

  def current(self, prefix: str = "") -> Dict[str, dict]:
    """The files named prefix* that no later file supersedes."""
    return {n: d for n, d in self.files.items()
            if n.startswith(prefix) and "superseded_by" not in d}

  def cite(self, name: str) -> str:
    """'[n](link to the file)' for a row's source column; n indexes the source list."""
    if name not in self.cited:
      self.cited.append(name)
    return f"[{self.cited.index(name) + 1}](../benchmarks/results/{name})"


def machine(data: dict) -> str:
  """'<CPU> (<ISA>)' as recorded; says so when the ISA was not."""
  m = data.get("machine")
  if isinstance(m, dict):
    cpu = m.get("cpu", "CPU not recorded").replace("Intel(R) Xeon(R) Processor", "Xeon")
    cpu = cpu.replace(" @ 2.60GHz", "")
    return f"{cpu} ({m.get('isa') or 'ISA not recorded'})"
  return str(m).split(",")[0] if m else "machine not recorded"


def where(data: dict) -> str:
  """'<machine>, <date>' for a row."""
  return f"{machine(data)}, {data.get('date', 'date not recorded')}"


def _spread(values: List[float], digits: int = 3) -> str:
  """'mean ± std (best / worst)' over seeds, or the one value."""
  if not values:
    return "-"
  if len(values) == 1:
    return f"{values[0]:.{digits}f}"
  n = len(values)
  mean = sum(values) / n
  std = (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5
  return (f"{mean:.{digits}f} ± {std:.{digits}f} ({max(values):.{digits}f} / "
          f"{min(values):.{digits}f})")


def _runs(data: dict) -> List[dict]:
  return data.get("runs") or []


def _steps(data: dict) -> str:
  steps = {r.get("step") for r in _runs(data)}
  return f"{steps.pop()}" if len(steps) == 1 else "/".join(map(str, sorted(steps)))


def _values(data: dict, key: str) -> List[float]:
  return [r[key] for r in _runs(data) if isinstance(r.get(key), (int, float))]


def _dataset(data: dict) -> str:
  flagfile = os.path.basename(data.get("flagfile", ""))
  return "Fashion-MNIST" if "fashion" in flagfile else "procedural shapes"


def _label(data: dict) -> str:
  return data.get("label", "").replace("|", "/")


# --- sections ---------------------------------------------------------------------------


def _codes_table(page: Page, files: Dict[str, dict]) -> List[str]:
  """One row per seeds/selection file: each code score mean ± std (best / worst)."""
  lines = ["| setting | seeds x steps | " + " | ".join(t for _, t in CODE_SCORES)
           + " | machine, date | source |",
           "|---|---|" + "---|" * len(CODE_SCORES) + "---|---|"]
  order = sorted(files.items(), key=lambda kv: (_dataset(kv[1]), kv[1].get("date", ""),
                                                kv[0]))
  for name, data in order:
    cells = [_spread(_values(data, k)) for k, _ in CODE_SCORES]
    lines.append(f"| {_label(data)} | {len(_runs(data))} x {_steps(data)} | "
                 + " | ".join(cells) + f" | {where(data)} | {page.cite(name)} |")
  return lines


def _multi_seed(page: Page) -> Dict[str, dict]:
  return {n: d for n, d in {**page.current("seeds_"), **page.current("selection_")}.items()
          if "runs" in d and len(_runs(d)) > 1}


def _one_seed(page: Page) -> Dict[str, dict]:
  return {n: d for n, d in page.current("seeds_").items() if len(_runs(d)) == 1}


def section_codes(page: Page) -> List[str]:
  lines = ["## Unsupervised codes", "",
           "Each seed trained by `trainers.main` and scored by `trainers.evaluate` (labels and "
           "known factors are read for scoring only). ACC/NMI: the categorical code cat0 as a "
           "classifier after Hungarian matching (Fashion-MNIST's 10 classes; the shapes' 4 "
           "shapes). MIG, FactorVAE and DCI on the procedural shapes' known factors; DCI here is "
           "DCI (lasso), not comparable with published DCI (that is disentanglement_lib's "
           "boosted trees: `trainers.evaluate --dci_boosted_trees`). Each cell: mean ± std "
           "over seeds (best / worst). How to read the scores: [evaluating.md](evaluating.md).", ""]
  lines += _codes_table(page, _multi_seed(page))
  lines += ["", "### Screens (one seed each)", "",
            "One seed is a screen, not a result: seeds of one setting differ by up to 0.1 ACC "
            "(above).", ""]
  lines += _codes_table(page, _one_seed(page))
  seeds_rows = []
  for name, data in page.current("seeds_").items():
    if "acc" in data.get("summary", {}) and "train_seconds" in data["summary"]:
      seeds_rows.append(dict(data, file=f"benchmarks/results/{name}"))
  lines += ["", "### Changes against their baseline", "",
            "Every `benchmarks.seeds` run as a change of its flagfile, against the flagfile's "
            "own run with the most seeds on the same ISA (ΔACC; runs are not bit-identical "
            "across ISAs).", "", ablation.table(seeds_rows)]
  return lines


def section_feature_ceiling(page: Page) -> List[str]:
  """`benchmarks.studies.feature_ceiling`: how far a better head could go on D's features."""
  from benchmarks.studies import feature_ceiling  # pylint: disable=g-import-not-at-top
  lines = ["### Feature ceiling", "",
           "On a trained discriminator's trunk features: how class-like their neighbourhoods "
           "are, Q's confident assignments, and a fresh SCAN clustering head (no labels); "
           "the reading: [unsupervised_codes.md](unsupervised_codes.md).", ""]
  for name, data in sorted(page.current("feature_ceiling_").items()):
    lines += [f"{_label(data)}: {where(data)} {page.cite(name)}", "",
              *feature_ceiling.table(data["runs"]), ""]
  return lines


def section_ss(page: Page) -> List[str]:
  lines = ["## ss-InfoGAN", "",
           "Fashion-MNIST test split, accuracy of c_ss with no matching, inference mode as "
           "exported; each seed draws its labelled images with `--label_seed` = seed. (a) the "
           "same trunk and head trained on the labelled images only, same augmentation; (b) a "
           "linear probe on an unsupervised InfoGAN's features with the same labels. Design "
           "and screens: [ss_infogan.md](ss_infogan.md).", "",
           "| labels | setting | seeds x steps | c_ss accuracy | (a) labelled only | (b) probe on "
           "InfoGAN features | class-conditional generation | Fréchet | machine, date | source |",
           "|---|---|---|---|---|---|---|---|---|---|"]
  files = page.current("ss_")
  for name, data in sorted(files.items(), key=lambda kv: (kv[1].get("labels_per_class", 0),
                                                           kv[1].get("date", ""), kv[0])):
    labels = data.get("labels_per_class", 0) * 10
    cells = [_spread(_values(data, k)) for k in ("accuracy", "labelled_only",
                                                  "probe_unsupervised", "generation_accuracy")]
    lines.append(f"| {labels} | {_label(data)} | {len(_runs(data))} x {_steps(data)} | "
                 + " | ".join(cells) + f" | {_spread(_values(data, 'frechet'), 1)} | "
                 f"{where(data)} | {page.cite(name)} |")
  return lines


def section_selection(page: Page) -> List[str]:
  lines = ["## Label-free selection", "",
           "`trainers.select` on each multi-seed sweep: the pick's true score and rank, the best "
           "seed's, and whether a tie was reported. Which criterion to trust, with rank "
           "correlations and regret over the settings: [selection.md](selection.md).", "",
           "| setting | seeds | criterion | pick's ACC (rank) | best ACC | pick's MIG (rank) | "
           "best MIG | tie reported | machine, date | source |",
           "|---|---|---|---|---|---|---|---|---|---|"]
  for name, data in sorted(page.current("selection_").items(),
                           key=lambda kv: (kv[1].get("date", ""), kv[0])):
    if "summary" not in data or "selection" not in data:
      continue
    s, sel = data["summary"], data["selection"]

    def pick(key):
      return (f"{s[key]['pick']:.3f} ({s[key]['pick_rank']}/{len(_runs(data))})"
              if key in s else "-")

    def best(key):
      return f"{s[key]['best']:.3f}" if key in s else "-"

    tie = sel.get("tie") or ("no" if "tied" in sel else "not measured then")
    lines.append(f"| {_label(data)} | {len(_runs(data))} | {sel.get('criterion', 'centrality')} "
                 f"| {pick('acc')} | {best('acc')} | {pick('mig')} | {best('mig')} | "
                 f"{str(tie).replace('|', '/')} | {where(data)} | {page.cite(name)} |")
  return lines


def _throughput_headline(data: dict) -> Optional[Dict[str, float]]:
  h = data.get("headline") or {}
  trainer, torch = h.get("trainer", {}), h.get("pytorch", {})
  if "images_per_sec" not in trainer:
    return None
  out = {"trainer": trainer["images_per_sec"], "fraction": h.get("fraction_of_ceiling")}
  if "images_per_sec" in torch:
    out["pytorch"] = torch["images_per_sec"]
  return out


def _onednn(data: dict) -> str:
  """TF_ENABLE_ONEDNN_OPTS as the run recorded it ('1', '0' or '?')."""
  return str((data.get("machine") or {}).get("onednn", "?")).split(" ")[0]


def section_speed(page: Page) -> List[str]:
  lines = ["## Training speed", "",
           "MNIST nets, global batch 64, the full step (D update + G/Q update) through "
           "`trainers.main`, against a plain eager PyTorch step of the same nets measured "
           "right after on the same machine (`benchmarks/torch_reference.py`), and against the "
           "machine's float32-matmul ceiling. Speeds vary 2-4x between machines and days: "
           "compare the ratios, not images/s across rows. How the step got there: "
           "[performance.md](performance.md).", "",
           "| machine, date | oneDNN | images/s | eager PyTorch images/s | ratio | of the "
           "matmul ceiling | source |", "|---|---|---|---|---|---|---|"]
  files = page.current("throughput")
  for name, data in sorted(files.items()):
    h = _throughput_headline(data)
    if h is None:
      continue
    ratio = f"{h['trainer'] / h['pytorch']:.2f}x" if "pytorch" in h else "-"
    lines.append(f"| {where(data)} | {_onednn(data)} | {h['trainer']:.0f} | "
                 f"{h.get('pytorch', 0):.0f} | {ratio} | "
                 f"{h['fraction']:.0%} | {page.cite(name)} |")
  for name, data in sorted(files.items()):
    if "matrix" not in data:
      continue
    lines += ["", f"### Train-step matrix: {where(data)}, oneDNN {_onednn(data)} "
              f"{page.cite(name)}",
              "", "| arch | batch | XLA | replicas | GFLOP/img | img/s (data) | img/s (constant) "
              "| GFLOP/s | input keeps up | retraces |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in data["matrix"]:
      head = (f"| {r['arch']} | {r['batch_size']} | {'on' if r['xla'] else 'off'} | "
              f"{r['replicas']} |")
      if "unsupported" in r or "error" in r:
        why = ("unsupported (TF: XLA across logical CPU devices)" if "unsupported" in r
               else f"error: {r['error']}")
        lines.append(f"{head} - | {why} | | | | |")
        continue
      lines.append(f"{head} {r['gflop_per_image']:.3f} | {r['images_per_sec_data']:.0f} | "
                   f"{r['images_per_sec_constant']:.0f} | {r['gflops_data']:.0f} | "
                   f"{'yes' if r['pipeline_keeps_up'] else 'NO'} | {r['retraces']} |")
  return lines


def section_serving(page: Page) -> List[str]:
  lines = ["## Serving", "",
           "The exported SavedModel through `tf.saved_model.load`, one request at a time "
           "(MNIST nets: 62 noise, Cat(10), 2 continuous). The budgets and the explorer's "
           "slow-client cases are in [reliability.md](reliability.md) and "
           "[serving.md](serving.md).", "",
           "| signature | batch | p50 ms | p99 ms | images/s | machine, date | source |",
           "|---|---|---|---|---|---|---|"]
  for name, data in sorted(page.current("serving.json").items()):
    for r in data["results"]:
      lines.append(f"| {r['signature']} | {r['batch_size']} | {r['p50_ms']:.2f} | "
                   f"{r['p99_ms']:.2f} | {r['images_per_sec']:.0f} | {where(data)} | "
                   f"{page.cite(name)} |")
  for name, data in sorted(page.current("explorer.json").items()):
    lines += ["", f"Explorer, a slider move ({data['images_per_request']} images through "
              f"`POST /api/grid`, {data['requests']} requests one at a time; {_label(data)}): "
              f"p50 {data['p50_ms']:.1f} ms, p95 {data['p95_ms']:.1f} ms, max "
              f"{data['max_ms']:.1f} ms. {where(data)} {page.cite(name)}"]
  lines += ["", "Work budgets: each signature at its cap and past it (refused before any "
            "network runs).", "",
            "| model | case | seconds | peak MiB | outcome | machine, date | source |",
            "|---|---|---|---|---|---|---|"]
  for name, data in sorted(page.current("serving_budgets_").items()):
    if "calibration" in name:
      continue
    for r in data["results"]:
      outcome = r["outcome"].split(" (")[0].replace("|", "/").replace("[", "").replace("]", "")
      lines.append(f"| {data['label']} | `{r['case']}` | {r['seconds']:.3f} | "
                   f"{r['peak_mib']:.1f} | {outcome} | {where(data)} | {page.cite(name)} |")
  return lines


GROUPS = (  # the index's groups, by file name prefix; the first match wins.
    ("Equivalence checks (this tree against an older one)", ("step_ab", "objective_ab",
                                                             "report_ab", "ab_",
                                                             "throughput_ab")),
    ("Numerics and precision", ("step_numerics", "precision", "fit_vs_loop")),
    ("Studies", ("self_labelling", "pruning", "inversion", "curve_",
                 "info_modes", "cr_cost", "pipeline_order", "selection_study")),
    ("Serving and reliability", ("serving_budgets", "slow_clients", "hostile_inputs",
                                 "explorer")),
)


def section_index(page: Page) -> List[str]:
  """Every other current results file in a group, with the guide's name for it."""
  shown = set(page.cited)
  rest = {n: d for n, d in page.current().items() if n not in shown}
  lines = ["## Other results files", "",
           "Read by the guides that discuss them (performance.md, numerics.md, "
           "self_labelling.md, inversion.md, reliability.md, architecture.md); listed here so "
           "every current file is on this page.", ""]
  for title, prefixes in GROUPS:
    names = [n for n in sorted(rest) if n.startswith(prefixes)]
    if not names:
      continue
    lines += [f"### {title}", "", "| what | machine, date | source |", "|---|---|---|"]
    for n in names:
      d = rest.pop(n)
      what = _label(d) or d.get("what", "") or n[:-5].replace("_", " ")
      lines.append(f"| {what} | {where(d)} | {page.cite(n)} |")
    lines.append("")
  if rest:
    lines += ["### Unsorted", "", "| file | machine, date | source |", "|---|---|---|"]
    lines += [f"| {n} | {where(d)} | {page.cite(n)} |" for n, d in sorted(rest.items())]
    lines.append("")
  return lines


def section_sources(page: Page) -> List[str]:
  gone = {n: d for n, d in page.files.items() if "superseded_by" in d}
  lines = ["## Sources", "",
           "Each row's source: its results file and the command that wrote it (a `<...>` is a "
           "path of the machine it ran on). Commands marked † were rebuilt from the file's "
           "fields and dates marked ‡ from git, for files written before the benchmarks "
           "recorded them.", ""]
  for i, name in enumerate(page.cited, 1):
    d = page.files[name]
    rebuilt = " †" if "command_source" in d else ""
    dated = " ‡" if "date_source" in d else ""
    lines.append(f"{i}. [`{name}`](../benchmarks/results/{name}){dated}: "
                 f"`{d.get('command', 'command not recorded')}`{rebuilt}")
  lines += ["", f"Superseded, so not shown ({len(gone)} files; still in git and in their "
            "JSON):", ""]
  for name, d in sorted(gone.items()):
    lines.append(f"- `{name}` -> `{d['superseded_by']}`: {d.get('superseded_because', '')}")
  return lines


SECTIONS: List[Callable[[Page], List[str]]] = [section_codes, section_feature_ceiling,
                                               section_ss, section_selection,
                                               section_speed, section_serving, section_index,
                                               section_sources]


# --- the README's table --------------------------------------------------------------------


def _newest(files: Dict[str, dict], keep: Callable[[dict], bool]) -> Optional[str]:
  names = [n for n, d in files.items() if keep(d)]
  return max(names, key=lambda n: (files[n].get("date", ""), len(_runs(files[n])), n),
             default=None)


def headline_rows(page: Page, link: Callable[[str], str]) -> List[str]:
  """The README's rows: the newest current run of each flagship setting."""
  rows = []
  codes = _multi_seed(page)
  plain = lambda flagfile: (lambda d: d.get("flagfile", "").endswith(flagfile)
                            and not d.get("extra", "").strip() and len(_runs(d)) >= 3)
  for what, flagfile, key, title in (
      ("Fashion-MNIST, unsupervised: cat code as a classifier", "fashion_mnist.flags", "acc",
       "ACC"),
      ("Procedural shapes, a code per factor", "shapes_disentangle.flags", "mig", "MIG")):
    # One row per ISA: runs of one flagfile differ between machines' kernels (the shapes:
    # MIG 0.26 on the AVX-512 Xeons, 0.14 on the AVX2 EPYC, 5 seeds each).
    isas = sorted({machine(d) for d in codes.values() if plain(flagfile)(d)})
    for isa in isas:
      name = _newest(codes, lambda d, isa=isa: plain(flagfile)(d) and machine(d) == isa)
      d = codes[name]
      rows.append(f"| {what} | {title} {_spread(_values(d, key))} over {len(_runs(d))} seeds "
                  f"x {_steps(d)} steps | {where(d)} | {link(name)} |")
  ss = page.current("ss_")
  for per_class in (10, 100):
    name = _newest(ss, lambda d, k=per_class: (d.get("labels_per_class") == k
                                               and d.get("flagfile", "").endswith(
                                                   "fashion_mnist_ss.flags")
                                               and not d.get("extra", "").strip()))
    if name:
      d = ss[name]
      rows.append(f"| ss-InfoGAN, Fashion-MNIST, {per_class * 10} labels (no matching) | "
                  f"accuracy {_spread(_values(d, 'accuracy'))} over {len(_runs(d))} seeds x "
                  f"{_steps(d)} steps | {where(d)} | {link(name)} |")
  for name, d in sorted(page.current("self_labelling_").items()):
    acc, cost = d["summary"]["defaults"]["acc"], d["summary"]["defaults"].get("cost")
    diff = acc["paired_difference"]
    spent = f"; {cost['mean']:.1%} of the training run's time" if cost else ""
    rows.append(f"| Self-labelling (`trainers.refine`), {_label(d).split(',')[0]} | ACC "
                f"{diff['mean'] * 100:+.1f} ± {diff['std'] * 100:.1f} points, up on "
                f"{acc['runs_up']} of {len(d['runs'])} seeds{spent} | {where(d)} | {link(name)} |")
  for name, d in sorted(page.current("inversion_").items()):
    rows_ = d["rows"]
    best64 = rows_.get("G(best of 64 z, Q(x))", {}).get("mse")
    at50 = rows_.get("invert, 50 steps", {}).get("mse")
    edit = d.get("edits", {}).get("categorical_accuracy_after_setting_cat0")
    one = d.get("seconds_at_default_steps", {}).get("batch 1", {}).get("p50")
    if None in (best64, at50, edit, one):
      continue
    rows.append(f"| Inverting a real image (`invert`, 50 steps), {_label(d)} | MSE {at50:.4f} "
                f"against {best64:.4f} for the best of 64 noise draws; category edits read "
                f"back {edit:.1%}; one image {one:.2f} s | {where(d)} | {link(name)} |")
  for name, d in sorted(page.current("serving.json").items()):
    p50 = {(r["signature"], r["batch_size"]): r["p50_ms"] for r in d["results"]}
    cells = ", ".join(f"`{s}` {p50[(s, b)]:.1f} ms" for b in (1, 64)
                      for s in ("generate", "encode") if (s, b) in p50)
    rows.append(f"| Serving through `tf.saved_model.load`, batch 1 then 64 (p50) | {cells} | "
                f"{where(d)} | {link(name)} |")
  for name, d in sorted(page.current("throughput").items()):
    h = _throughput_headline(d)
    if h is None:
      continue
    ratio = f", {h['trainer'] / h['pytorch']:.2f}x eager PyTorch" if "pytorch" in h else ""
    rows.append(f"| Training, MNIST nets, batch 64 | {h['trainer']:.0f} images/s{ratio} | "
                f"{where(d)} | {link(name)} |")
  return rows


def readme_table(page: Page) -> str:
  link = lambda n: f"[json](benchmarks/results/{n})"
  lines = ["| what | result | machine, date | source |", "|---|---|---|---|",
           *headline_rows(page, link), "",
           "Rendered from the results files by `.venv/bin/python -m benchmarks.results_page`; "
           "every result with its command: [docs/results.md](docs/results.md)."]
  return "\n".join(lines)


def render(page: Page) -> str:
  """docs/results.md's text, from the page's results files (its source list fills up)."""
  head = ["# Results", "",
          "<!-- Rendered by `python -m benchmarks.results_page` from benchmarks/results/*.json; "
          "edit the benchmarks or this renderer, not this page. -->", "",
          "Every figure below is read from a results file a benchmark wrote; each row names "
          "its machine (CPU model and vector ISA, which decides TensorFlow's kernels) and "
          "date, and its source number leads to the file and the command that reproduces it. "
          "Seeds differ: scores are mean ± std over seeds with the best and the worst.", ""]
  flagship = ["## At a glance", "",
              "| what | result | machine, date | source |", "|---|---|---|---|",
              *headline_rows(page, page.cite), ""]
  body = []
  for section in SECTIONS:
    body += section(page) + [""]
  return "\n".join(head + flagship + body).rstrip() + "\n"


def splice(text: str, block: str, start: str = README_START, end: str = README_END) -> str:
  """text with the part between its start and end markers replaced by block."""
  if start not in text or end not in text:
    raise ValueError(f"no {start} ... {end} block")
  head, rest = text.split(start, 1)
  _, tail = rest.split(end, 1)
  return f"{head}{start}\n{block}\n{end}{tail}"


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--check", action="store_true",
                      help="Only compare: exit 1 when a committed page is stale.")
  args = parser.parse_args(argv)
  page = Page()  # the results files, read once for both pages
  page_text = render(page)
  with open(README) as f:
    readme = f.read()
  readme_text = splice(readme, readme_table(page))
  stale = []
  for path, text in ((PAGE, page_text), (README, readme_text)):
    old = open(path).read() if os.path.exists(path) else ""
    if old != text:
      stale.append(os.path.relpath(path, ROOT))
      if not args.check:
        with open(path, "w") as f:
          f.write(text)
  if args.check and stale:
    print(f"stale: {', '.join(stale)}; run `python -m benchmarks.results_page`", file=sys.stderr)
    return 1
  print(f"{'stale' if args.check else 'wrote'}: {', '.join(stale) or 'nothing (up to date)'}")
  return 0


if __name__ == "__main__":
  sys.exit(main())
