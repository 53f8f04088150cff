"""Shared fixtures: the real meshes in ../shared/data (skipped with a message when absent)."""

import os

import pytest

SHARED_DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                                           "data"))


def shared_path(*parts) -> str:
  """A path under ../shared/data; skips the calling test when it is absent."""
  path = os.path.join(SHARED_DATA, *parts)
  if not os.path.exists(path):
    pytest.skip(f"real meshes not found at {path} (the ../shared/data folder beside the repository; "
                "see the README's data section)")
  return path
