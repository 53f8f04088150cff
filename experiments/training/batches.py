"""Host-side batches: picking the device keys of examples, and padded evaluation batches."""

import numpy as np


def select(batch: dict, keys) -> dict:
  """The arrays of `batch` under `keys` (strings such as mesh ids never go to the devices)."""
  missing = set(keys) - set(batch)
  if missing:
    raise ValueError(f"batch lacks keys {sorted(missing)}; it has {sorted(batch)}")
  return {key: batch[key] for key in keys}


def evaluation_batches(source, global_batch_size: int, keys, *, process_index: int = 0,
                       process_count: int = 1):
  """One pass over `source` in order, in batches of a fixed shape so that one compiled step serves all.

  The last global batch is padded by repeating example 0; `mask` (local batch,) float32 is 1 for real
  examples and 0 for padding. Each process yields its contiguous slice of every global batch.

  Yields:
    dicts {key: (global_batch_size / process_count, ...) arrays, "mask": (...,)}.
  """
  if global_batch_size % process_count:
    raise ValueError(f"eval batch size {global_batch_size} must divide over {process_count} "
                     f"processes")
  local = global_batch_size // process_count
  for start in range(0, len(source), global_batch_size):
    positions = start + process_index * local + np.arange(local)
    valid = positions < len(source)
    indices = np.where(valid, positions, 0)
    if hasattr(source, "__getitems__"):
      examples = source.__getitems__(indices)
    else:
      examples = [source[int(i)] for i in indices]
    batch = {key: np.stack([e[key] for e in examples]) for key in keys}
    batch["mask"] = valid.astype(np.float32)
    yield batch
