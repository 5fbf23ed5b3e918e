"""Every relative link in README.md and docs/*.md names a file of the repository, and every
`#anchor` into a Markdown page names one of its headings (GitHub's anchor rule)."""

import glob
import os
import re

import pytest

from tests import helpers

PAGES = [os.path.join(helpers.ROOT, "README.md"),
         *sorted(glob.glob(os.path.join(helpers.ROOT, "docs", "*.md")))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(path):
  """GitHub's heading anchors: lower case, punctuation but '-' and '_' dropped, spaces to '-'."""
  with open(path) as f:
    text = re.sub(r"```.*?```", "", f.read(), flags=re.S)
  return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
          for h in re.findall(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: os.path.relpath(p, helpers.ROOT))
def test_relative_links_resolve(page):
  with open(page) as f:
    text = re.sub(r"```.*?```", "", f.read(), flags=re.S)  # code blocks hold no links
  broken = []
  for target in LINK.findall(text):
    if re.match(r"[a-z]+:", target):  # https:, mailto:
      continue
    path, _, anchor = target.partition("#")
    full = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
    if not os.path.exists(full):
      broken.append(f"{target}: no file {os.path.relpath(full, helpers.ROOT)}")
    elif anchor and full.endswith(".md") and anchor not in _anchors(full):
      broken.append(f"{target}: no heading #{anchor}")
  assert not broken, f"{os.path.relpath(page, helpers.ROOT)}: " + "; ".join(broken)
