"""Training metrics: JSON lines and TensorBoard event files in the workdir, console progress lines
and a PNG plot of the curves.

Each line of metrics.jsonl is one record, e.g.
  {"step": 200, "split": "train", "loss": 1.23, "accuracy": 0.61, "steps_per_sec": 3.1, ...}
  {"step": 200, "split": "test", "loss": 1.40, "accuracy": 0.55, "num_examples": 908}
The same records go to the workdir's events.out.tfevents.* files (tensorboardX, no tensorflow), one
scalar per numeric field tagged <split>/<name> (e.g. "train/loss"), beside the evaluation images
(`MetricsWriter.write_images`), so `tensorboard --logdir=<workdir or a parent>` shows the curves
while the run goes on.
"""

import json
import numbers
import os
import re
import time

import matplotlib
import numpy as np
import tensorboardX

matplotlib.use("Agg")  # headless: write files, never open windows
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top

METRICS_FILE = "metrics.jsonl"
PLOT_FILE = "curves.png"
# The metrics with a panel in curves.png, when the records have them.
PLOTTED = (
    "loss", "accuracy", "relative_error", "pose_median", "angle_error_deg", "psnr")
# The most seconds an event waits before it is on disk, readable by TensorBoard during the run.
EVENTS_FLUSH_SECS = 2
# Characters TensorBoard summary names may not hold (e.g. the "@" of "pose_acc@15").
_TAG_UNSAFE = re.compile(r"[^-/\w.]")


def tensorboard_tag(split: str, name: str) -> str:
  """"<split>/<name>" with each character a summary name may not hold replaced by "_" (as
  tensorboardX would do, logging a line at every write)."""
  return _TAG_UNSAFE.sub("_", f"{split}/{name}")


def read_metrics(workdir: str) -> list:
  """All records of workdir/metrics.jsonl, in order (an empty list if there is none yet)."""
  path = os.path.join(workdir, METRICS_FILE)
  if not os.path.exists(path):
    return []
  with open(path) as f:
    return [json.loads(line) for line in f if line.strip()]


class MetricsWriter:
  """Appends records to workdir/metrics.jsonl and to TensorBoard event files in workdir; only
  process 0 writes (`enabled`). `close` when done."""

  def __init__(self, workdir: str, enabled: bool = True):
    self.workdir = workdir
    self.path = os.path.join(workdir, METRICS_FILE)
    self.enabled = enabled
    self._events = None  # the tensorboardX writer, opened at the next write
    self._purge_step = None

  def drop_after(self, step: int) -> None:
    """Removes records of steps after `step`: a run resumed from the checkpoint at `step` rewrites
    them, so the file ends as an uninterrupted run's would. Event files cannot be edited: the next
    one opened starts with a purge of the steps after `step`, which TensorBoard applies to the
    events it read before."""
    if not self.enabled:
      return
    self.close()
    self._purge_step = step + 1
    if not os.path.exists(self.path):
      return
    kept = [r for r in read_metrics(os.path.dirname(self.path)) if r["step"] <= step]
    with open(self.path + ".tmp", "w") as f:
      f.writelines(json.dumps(r) + "\n" for r in kept)
    os.replace(self.path + ".tmp", self.path)

  def write(self, record: dict) -> None:
    """Appends a record {"step", "split", name: value...}; each numeric value is also a scalar."""
    if not self.enabled:
      return
    with open(self.path, "a") as f:
      f.write(json.dumps(record) + "\n")
    events = self._event_writer()
    for name, value in record.items():
      if name not in ("step", "split") and isinstance(value, numbers.Real):
        events.add_scalar(tensorboard_tag(record["split"], name), value, record["step"])

  def write_images(self, step: int, images: dict, split: str = "eval") -> None:
    """Writes images {name: (H, W) or (H, W, C) array, C = 1, 3 or 4, uint8 or floats in [0, 1]}
    to TensorBoard, tagged <split>/<name>."""
    if not self.enabled or not images:
      return
    events = self._event_writer()
    for name, image in images.items():
      image = np.asarray(image)
      if image.dtype != np.uint8:  # tensorboardX would scale floats without clipping: wraparound
        image = np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
      events.add_image(tensorboard_tag(split, name), image, step, dataformats="HWC"[:image.ndim])

  def close(self) -> None:
    """Flushes and closes the event file (a later write opens another)."""
    if self._events is not None:
      self._events.close()
      self._events = None

  def _event_writer(self) -> tensorboardX.SummaryWriter:
    if self._events is None:
      # tensorboardX names event files by the second they open and TensorBoard reads them in name
      # order: the suffix keeps files opened in the same second apart, and in order. Its thread
      # writes the events and flushes every flush_secs (its flush() may come before the writes).
      self._events = tensorboardX.SummaryWriter(
          self.workdir, purge_step=self._purge_step, flush_secs=EVENTS_FLUSH_SECS,
          filename_suffix=f".{time.time_ns()}")
      self._purge_step = None  # once: a writer reopened after close() keeps what this one wrote
    return self._events


def image_sheet(rows, frame_colors=None, border: int = 2) -> np.ndarray:
  """Tiles rows of images into one RGB float32 sheet (for `MetricsWriter.write_images`).

  Args:
    rows: lists of images, as many in each row and all of one size: (H, W) or (H, W, 1) grey or
      (H, W, 3) RGB, values in [0, 1] (clipped).
    frame_colors: an RGB colour per row for the `border` pixels around and between its images
      (e.g. to mark a result as right or wrong); blue by default, apart from grey images.
    border: the frame width in pixels.
  """
  sheet = []
  for i, row in enumerate(rows):
    color = np.asarray((0.2, 0.4, 0.8) if frame_colors is None else frame_colors[i], np.float32)
    cells = []
    for image in row:
      image = np.clip(np.asarray(image, np.float32), 0.0, 1.0)
      image = image if image.ndim == 3 else image[..., None]
      cells += [np.broadcast_to(color, (image.shape[0], border, 3)),
                np.broadcast_to(image, image.shape[:2] + (3,))]
    strip = np.concatenate(cells + [cells[0]], axis=1)
    edge = np.broadcast_to(color, (border, strip.shape[1], 3))
    sheet.append(np.concatenate([edge, strip, edge]))
  return np.concatenate(sheet)


def format_duration(seconds: float) -> str:
  """"1h02m", "3m05s" or "42s"."""
  seconds = int(round(seconds))
  hours, rest = divmod(seconds, 3600)
  minutes, seconds = divmod(rest, 60)
  if hours:
    return f"{hours}h{minutes:02d}m"
  return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def progress_line(step: int, num_steps: int, record: dict) -> str:
  """One console line: step, every metric, steps/s and the ETA at that rate."""
  rate = record.get("steps_per_sec")
  names = sorted(set(record) - {"step", "split", "steps_per_sec", "learning_rate"},
                 key=lambda name: (name != "loss", name))  # loss first
  values = "  ".join(f"{name} {record[name]:.4f}" for name in names)
  line = f"step {step}/{num_steps}  {values}"
  if rate:
    line += f"  {rate:.2f} steps/s  ETA {format_duration((num_steps - step) / rate)}"
  return line


def plot_metrics(records: list, path: str, title: str = "") -> None:
  """Saves a PNG with one panel per metric of PLOTTED in the records, train and evaluation curves."""
  names = [k for k in PLOTTED if any(k in r for r in records)]
  if not names:
    raise ValueError(f"no records of {PLOTTED} to plot")
  fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.8), squeeze=False)
  for ax, name in zip(axes[0], names):
    for split in sorted({r["split"] for r in records}):
      points = [(r["step"], r[name]) for r in records if r["split"] == split and name in r]
      if points:
        steps, values = zip(*points)
        ax.plot(steps, values, marker="o" if len(points) < 30 else None, label=split)
    if name == "loss" and all(r[name] > 0 for r in records if name in r):
      ax.set_yscale("log")  # cross-entropy spans decades over a run
    ax.set_xlabel("step")
    ax.set_ylabel(name)
    ax.grid(alpha=0.3)
    ax.legend()
  if title:
    fig.suptitle(title)
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)


def confusion_matrix(labels, predictions, num_classes: int) -> np.ndarray:
  """Counts (num_classes, num_classes) int64: [true class, predicted class].

  Args:
    labels, predictions: integer arrays of the same shape (N,), values in [0, num_classes).
  """
  labels, predictions = np.asarray(labels), np.asarray(predictions)
  if labels.shape != predictions.shape or labels.ndim != 1:
    raise ValueError(f"labels and predictions must both have shape (N,); got {labels.shape} and "
                     f"{predictions.shape}")
  for name, values in (("labels", labels), ("predictions", predictions)):
    if values.size and (values.min() < 0 or values.max() >= num_classes):
      raise ValueError(f"{name} must lie in [0, {num_classes}); got values from {values.min()} to "
                       f"{values.max()}")
  matrix = np.zeros((num_classes, num_classes), np.int64)
  np.add.at(matrix, (labels, predictions), 1)
  return matrix


def plot_confusion_matrix(matrix, class_names, path: str, title: str = "") -> None:
  """Saves a PNG of a confusion matrix, rows normalised to the fraction of each true class."""
  matrix = np.asarray(matrix)
  fractions = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
  size = 1.0 + 0.55 * len(class_names)
  fig, ax = plt.subplots(figsize=(size + 1.5, size))
  image = ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1)
  for (i, j), count in np.ndenumerate(matrix):
    if count:
      ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
              color="white" if fractions[i, j] > 0.5 else "black")
  ax.set_xticks(range(len(class_names)), class_names, rotation=45, ha="right")
  ax.set_yticks(range(len(class_names)), class_names)
  ax.set_xlabel("predicted")
  ax.set_ylabel("true")
  fig.colorbar(image, ax=ax, fraction=0.046, label="fraction of the true class")
  if title:
    ax.set_title(title)
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)
