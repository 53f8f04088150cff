"""The README's snippets run: the sphere core's here, relative_pose against a trained chain in
tests/experiments/test_pipeline.py."""

import numpy as np

from tests import readme

TESTED = {"sphere", "relative_pose"}


def test_every_marked_snippet_is_run_by_a_test():
  assert set(readme.snippets()) == TESTED


def test_sphere_snippet_recovers_the_rotations():
  namespace = {}
  exec(readme.snippet("sphere"), namespace)  # pylint: disable=exec-used
  # As the README says: band-limited rotations are recovered to ~1e-5 degrees (float32; 1e-3 allows
  # for the Newton refinement's float32 rounding on other CPUs).
  assert namespace["errors"].shape == (8,)
  assert np.max(namespace["errors"]) < 1e-3
  np.testing.assert_allclose(namespace["x_back"], namespace["x"], atol=1e-4)
