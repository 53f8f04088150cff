"""Reading batches ahead in a background thread, keeping the resumable position exact."""

import queue
import threading


class Prefetcher:
  """Wraps an iterator with `get_state()` (a `data_pipelines.BatchIterator`), reading `depth` batches
  ahead so that loading overlaps the device's work.

  `get_state()` is the position after the last batch handed out by `next`, not after the last batch
  read, so a checkpoint saved with it resumes at the next batch the trainer would have used. An
  exception raised by the wrapped iterator is re-raised by the `next` call that would have returned
  its batch. Call `close()` (or use as a context manager) to stop the thread.
  """

  def __init__(self, iterator, depth: int = 2):
    if depth < 1:
      raise ValueError(f"prefetch depth must be at least 1, got {depth}")
    self._iterator = iterator
    self._state = iterator.get_state()
    self._queue = queue.Queue(maxsize=depth)
    self._stop = threading.Event()
    self._thread = threading.Thread(target=self._fill, name="prefetch", daemon=True)
    self._thread.start()

  def _fill(self):
    while not self._stop.is_set():
      try:
        item = (next(self._iterator), self._iterator.get_state())
      except Exception as error:  # pylint: disable=broad-except  (re-raised by __next__)
        item = error
      while not self._stop.is_set():
        try:
          self._queue.put(item, timeout=0.1)
          break
        except queue.Full:
          continue
      if isinstance(item, Exception):
        return

  def __iter__(self):
    return self

  def __next__(self):
    item = self._queue.get()
    if isinstance(item, Exception):
      raise item
    batch, self._state = item
    return batch

  def get_state(self) -> dict:
    return self._state

  def close(self) -> None:
    self._stop.set()
    self._thread.join()

  def __enter__(self):
    return self

  def __exit__(self, *exc_info):
    self.close()
