"""Prefetcher: same batches as the wrapped iterator, exact position, errors at the right call."""

import numpy as np
import pytest

import data_pipelines
from experiments.training import prefetch

SOURCE = [{"x": np.float32(i)} for i in range(10)]


def test_batches_and_positions_match_the_wrapped_iterator():
  plain = data_pipelines.BatchIterator(SOURCE, 3, seed=1)
  with prefetch.Prefetcher(data_pipelines.BatchIterator(SOURCE, 3, seed=1), depth=2) as ahead:
    for _ in range(7):  # across epoch boundaries (3 batches per epoch)
      np.testing.assert_array_equal(next(ahead)["x"], next(plain)["x"])
      # The position of the batches handed out, although the thread has read further.
      assert ahead.get_state() == plain.get_state()


def test_errors_surface_at_the_batch_that_failed():

  class FailsAtThird:
    served = 0

    def get_state(self):
      return {"served": self.served}

    def __next__(self):
      if self.served == 2:
        raise RuntimeError("unreadable record")
      self.served += 1
      return {"x": self.served}

  with prefetch.Prefetcher(FailsAtThird(), depth=4) as ahead:
    assert [next(ahead)["x"] for _ in range(2)] == [1, 2]
    with pytest.raises(RuntimeError, match="unreadable record"):
      next(ahead)
    assert ahead.get_state() == {"served": 2}
