"""`BatchIterator`: deterministic, resumable, per-process batches from a random-access source."""

import numpy as np


class BatchIterator:
  """Iterates forever over epochs of a random-access source, yielding stacked numpy batches.

  Epoch e visits the examples in the order of a permutation drawn from (seed, e), identical on every
  process; process p of P takes positions p, p+P, p+2P, ... of it, cut to the same length on every
  process (so all hosts run the same number of steps and the shards are disjoint). The position is
  (epoch, batch within the epoch); `get_state()`/`set_state()` save and restore it, so training
  resumed from a checkpoint sees exactly the batches it would have seen.

  Args:
    source: random access, `len(source)` and `source[i]` -> dict of numpy arrays (and, if present,
      `source.__getitems__(indices)` for batched reads).
    batch_size: examples per batch on this process.
    seed: the shuffling seed.
    shuffle: permute each epoch (else the natural order).
    drop_remainder: drop the last partial batch of an epoch (else yield it, smaller).
    process_index, process_count: this process's shard (jax.process_index(), jax.process_count()).
    augment: optional `augment(example, rng) -> example`, applied per example with a generator
      seeded by (seed, epoch, example index), so augmented batches are reproducible too.

  Yields:
    dicts with the source's keys, each stacked to (batch, ...); strings become object arrays.
  """

  def __init__(self, source, batch_size: int, *, seed: int, shuffle: bool = True,
               drop_remainder: bool = True, process_index: int = 0, process_count: int = 1,
               augment=None):
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
      raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not 0 <= process_index < process_count:
      raise ValueError(f"expected 0 <= process_index < process_count, got {process_index}, "
                       f"{process_count}")
    self._shard_size = len(source) // process_count
    if self._shard_size < (batch_size if drop_remainder else 1):
      raise ValueError(f"a source of {len(source)} examples split over {process_count} processes "
                       f"cannot fill one batch of {batch_size}")
    self._source = source
    self._batch_size = int(batch_size)
    self._seed = int(seed)
    self._shuffle = shuffle
    self._process_index, self._process_count = process_index, process_count
    self._augment = augment
    full, partial = divmod(self._shard_size, self._batch_size)
    self.batches_per_epoch = full + (0 if drop_remainder or not partial else 1)
    self._epoch, self._batch_in_epoch = 0, 0
    self._order, self._order_epoch = None, None

  def get_state(self) -> dict:
    """The position, a JSON-able dict of ints: {"epoch", "batch_in_epoch", "seed"}."""
    return {"epoch": self._epoch, "batch_in_epoch": self._batch_in_epoch, "seed": self._seed}

  def set_state(self, state: dict) -> None:
    """Resumes from a `get_state()` dict; the seed must match this iterator's."""
    if int(state["seed"]) != self._seed:
      raise ValueError(f"state was saved with seed {state['seed']}, this iterator has {self._seed}")
    if not 0 <= int(state["batch_in_epoch"]) < self.batches_per_epoch or int(state["epoch"]) < 0:
      raise ValueError(f"invalid state {state} for {self.batches_per_epoch} batches per epoch")
    self._epoch, self._batch_in_epoch = int(state["epoch"]), int(state["batch_in_epoch"])

  def epoch_indices(self, epoch: int) -> np.ndarray:
    """The source indices this process visits in `epoch`, in order, shape (shard size,)."""
    if self._order_epoch != epoch:
      order = (np.random.default_rng([self._seed, epoch]).permutation(len(self._source))
               if self._shuffle else np.arange(len(self._source)))
      self._order = order[self._process_index::self._process_count][:self._shard_size]
      self._order_epoch = epoch
    return self._order

  def __iter__(self):
    return self

  def __next__(self) -> dict:
    start = self._batch_in_epoch * self._batch_size
    indices = self.epoch_indices(self._epoch)[start:start + self._batch_size]
    if hasattr(self._source, "__getitems__"):
      examples = self._source.__getitems__(indices)
    else:
      examples = [self._source[int(i)] for i in indices]
    if self._augment is not None:
      examples = [self._augment(e, np.random.default_rng([self._seed, self._epoch, int(i)]))
                  for e, i in zip(examples, indices)]
    self._batch_in_epoch += 1
    if self._batch_in_epoch == self.batches_per_epoch:
      self._epoch, self._batch_in_epoch = self._epoch + 1, 0
    return {key: _stack([e[key] for e in examples]) for key in examples[0]}


def _stack(values):
  if isinstance(values[0], (str, bytes)):
    return np.array(values, dtype=object)
  return np.stack(values)
