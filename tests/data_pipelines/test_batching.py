"""BatchIterator: deterministic epochs, exact resumption, disjoint shards, reproducible augmentation."""

import itertools
import json

import numpy as np
import pytest

from data_pipelines import BatchIterator


class IndexSource:
  """A stand-in source whose element i records i, so batches show which examples they hold."""

  def __init__(self, size):
    self.size = size

  def __len__(self):
    return self.size

  def __getitem__(self, i):
    return {"index": np.int64(i), "x": np.full((2, 3), i, np.float32), "mesh_id": f"m{i}"}


def _indices(iterator, batches):
  return [next(iterator)["index"].tolist() for _ in range(batches)]


def test_batches_stack_and_each_epoch_is_a_permutation():
  iterator = BatchIterator(IndexSource(10), 3, seed=0)
  batch = next(iterator)
  assert batch["x"].shape == (3, 2, 3) and batch["mesh_id"].dtype == object
  assert iterator.batches_per_epoch == 3  # drop_remainder: 10 // 3
  epoch0 = [batch["index"].tolist()] + _indices(iterator, 2)
  epoch1 = _indices(iterator, 3)
  flat0, flat1 = sum(epoch0, []), sum(epoch1, [])
  assert len(set(flat0)) == 9 and len(set(flat1)) == 9  # no repeats within an epoch
  assert flat0 != flat1  # a new order each epoch


def test_same_seed_same_batches_other_seed_other_batches():
  first = _indices(BatchIterator(IndexSource(20), 4, seed=3), 12)
  assert first == _indices(BatchIterator(IndexSource(20), 4, seed=3), 12)
  assert first != _indices(BatchIterator(IndexSource(20), 4, seed=4), 12)


def test_no_shuffle_and_remainder():
  iterator = BatchIterator(IndexSource(7), 3, seed=0, shuffle=False, drop_remainder=False)
  assert _indices(iterator, 4) == [[0, 1, 2], [3, 4, 5], [6], [0, 1, 2]]


@pytest.mark.parametrize("stop_after", [1, 4, 5, 11])
def test_resume_from_state_continues_exactly(stop_after):
  reference = _indices(BatchIterator(IndexSource(17), 4, seed=5), 16)
  interrupted = BatchIterator(IndexSource(17), 4, seed=5)
  _indices(interrupted, stop_after)
  state = json.loads(json.dumps(interrupted.get_state()))  # saved with a checkpoint as JSON
  assert all(isinstance(v, int) for v in state.values())
  resumed = BatchIterator(IndexSource(17), 4, seed=5)
  resumed.set_state(state)
  assert _indices(resumed, 16 - stop_after) == reference[stop_after:]


def test_state_of_another_seed_is_rejected():
  iterator = BatchIterator(IndexSource(8), 2, seed=1)
  with pytest.raises(ValueError, match="seed"):
    iterator.set_state(BatchIterator(IndexSource(8), 2, seed=2).get_state())


def test_process_shards_are_disjoint_and_equal_sized():
  count, size = 3, 23
  shards = [BatchIterator(IndexSource(size), 2, seed=9, process_index=p, process_count=count)
            for p in range(count)]
  for epoch in range(2):
    seen = [sum(_indices(s, s.batches_per_epoch), []) for s in shards]
    assert len({len(s) for s in seen}) == 1  # every host runs the same number of steps
    all_seen = list(itertools.chain(*seen))
    assert len(all_seen) == len(set(all_seen))  # disjoint
    assert len(all_seen) >= size - count * 2 - count  # only the remainders are left out


def test_augment_is_applied_reproducibly():
  def jitter(example, rng):
    return dict(example, x=example["x"] + rng.normal(size=example["x"].shape).astype(np.float32))

  a = BatchIterator(IndexSource(12), 4, seed=2, augment=jitter)
  b = BatchIterator(IndexSource(12), 4, seed=2, augment=jitter)
  batches_a, batches_b = [next(a) for _ in range(6)], [next(b) for _ in range(6)]
  for batch_a, batch_b in zip(batches_a, batches_b):
    np.testing.assert_array_equal(batch_a["x"], batch_b["x"])
  noise = batches_a[0]["x"] - batches_a[0]["index"][:, None, None]
  assert noise.std() > 0.5
  # Epoch 1 sees the same examples with fresh noise.
  first_epoch = {int(i): x for batch in batches_a[:3] for i, x in zip(batch["index"], batch["x"])}
  second_epoch = {int(i): x for batch in batches_a[3:] for i, x in zip(batch["index"], batch["x"])}
  shared = set(first_epoch) & set(second_epoch)
  assert shared and all(not np.array_equal(first_epoch[i], second_epoch[i]) for i in shared)


def test_bad_arguments():
  with pytest.raises(ValueError, match="batch_size"):
    BatchIterator(IndexSource(4), 0, seed=0)
  with pytest.raises(ValueError, match="process_index"):
    BatchIterator(IndexSource(4), 1, seed=0, process_index=2, process_count=2)
  with pytest.raises(ValueError, match="cannot fill one batch"):
    BatchIterator(IndexSource(4), 3, seed=0, process_count=2)
