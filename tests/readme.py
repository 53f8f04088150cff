"""The README's tested snippets: each python block right after a `<!-- snippet: NAME ... -->`."""

import os
import re

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
MARKER = re.compile(r"<!-- snippet: (\w+) .*?-->\n```python\n(.*?)```", re.DOTALL)


def snippets() -> dict:
  """{name: code} of every marked python block of README.md."""
  with open(README) as f:
    return dict(MARKER.findall(f.read()))


def snippet(name: str) -> str:
  found = snippets()
  assert name in found, f"README.md lost its tested snippet {name!r} (has {sorted(found)})"
  return found[name]
