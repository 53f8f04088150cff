"""Training metrics: JSON lines in the workdir, console progress lines and a PNG plot of the curves.

Each line of metrics.jsonl is one record, e.g.
  {"step": 200, "split": "train", "loss": 1.23, "accuracy": 0.61, "steps_per_sec": 3.1, ...}
  {"step": 200, "split": "test", "loss": 1.40, "accuracy": 0.55, "num_examples": 908}
"""

import json
import os

import matplotlib
import numpy as np

matplotlib.use("Agg")  # headless: write files, never open windows
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top

METRICS_FILE = "metrics.jsonl"
PLOT_FILE = "curves.png"
# The metrics with a panel in curves.png, when the records have them.
PLOTTED = (
    "loss", "accuracy", "relative_error", "pose_median", "angle_error_deg", "psnr")


def read_metrics(workdir: str) -> list:
  """All records of workdir/metrics.jsonl, in order (an empty list if there is none yet)."""
  path = os.path.join(workdir, METRICS_FILE)
  if not os.path.exists(path):
    return []
  with open(path) as f:
    return [json.loads(line) for line in f if line.strip()]


class MetricsWriter:
  """Appends records to workdir/metrics.jsonl; only process 0 writes (`enabled`)."""

  def __init__(self, workdir: str, enabled: bool = True):
    self.path = os.path.join(workdir, METRICS_FILE)
    self.enabled = enabled

  def drop_after(self, step: int) -> None:
    """Removes records of steps after `step`: a run resumed from the checkpoint at `step` rewrites
    them, so the file ends as an uninterrupted run's would."""
    if not self.enabled or not os.path.exists(self.path):
      return
    kept = [r for r in read_metrics(os.path.dirname(self.path)) if r["step"] <= step]
    with open(self.path + ".tmp", "w") as f:
      f.writelines(json.dumps(r) + "\n" for r in kept)
    os.replace(self.path + ".tmp", self.path)

  def write(self, record: dict) -> None:
    if self.enabled:
      with open(self.path, "a") as f:
        f.write(json.dumps(record) + "\n")


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
