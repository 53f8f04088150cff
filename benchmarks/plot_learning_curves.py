r"""Learning curves of embed runs side by side: validation pose median against images seen.

  python -m benchmarks.plot_learning_curves --out=curves.png \
      --run="lifted E=/tmp/e_lifted" --run="encoder-decoder E=/tmp/e_old"

Reads each workdir's metrics.jsonl (the eval records' `pose_median`, `pose_acc@15` and
`relative_error`) and config.json (the batch size); draws the pose median and the validation
relative error against images seen, and prints the curves as a Markdown table.
"""

import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
from absl import app
from absl import flags

from experiments.workdir import config_io

_RUNS = flags.DEFINE_multi_string("run", [], "label=workdir of an embed run; repeat per run.")
_OUT = flags.DEFINE_string("out", "learning_curves.png", "PNG file to write.")
_TITLE = flags.DEFINE_string("title", "Validation pose median against images seen", "Plot title.")


def read_curve(workdir: str) -> list[dict]:
  """The eval records of a workdir's metrics.jsonl that carry a pose median, by step."""
  path = os.path.join(workdir, "metrics.jsonl")
  if not os.path.exists(path):
    raise ValueError(f"{path} not found: pass the workdir of an embed run")
  with open(path) as f:
    records = [json.loads(line) for line in f if line.strip()]
  by_step = {r["step"]: r for r in records if r.get("split") == "eval" and "pose_median" in r}
  return [by_step[step] for step in sorted(by_step)]


def main(argv):
  del argv
  if not _RUNS.value:
    raise app.UsageError("give at least one --run=label=workdir")
  figure, (pose_axis, error_axis) = plt.subplots(1, 2, figsize=(11, 4))
  rows = {}
  for run in _RUNS.value:
    label, _, workdir = run.partition("=")
    if not workdir:
      raise app.UsageError(f"--run must be label=workdir, got {run!r}")
    batch = config_io.load_config(workdir).batch_size
    curve = read_curve(workdir)
    images = [r["step"] * batch / 1000 for r in curve]
    pose_axis.plot(images, [r["pose_median"] for r in curve], marker="o", label=label)
    error_axis.plot(images, [r["relative_error"] for r in curve], marker="o", label=label)
    for r in curve:
      rows.setdefault(r["step"], {})[label] = (
          f"{r['pose_median']:.1f}° / {100 * r['pose_acc@15']:.0f}% / {r['relative_error']:.2f}")
  pose_axis.set(xlabel="images seen (thousands)", ylabel="pose median (°)", title=_TITLE.value)
  error_axis.set(xlabel="images seen (thousands)", ylabel="validation relative error",
                 title="‖E − target‖ / ‖target‖")
  for axis in (pose_axis, error_axis):
    axis.grid(alpha=0.3)
    axis.legend()
  figure.tight_layout()
  figure.savefig(_OUT.value, dpi=110)
  labels = [run.partition("=")[0] for run in _RUNS.value]
  print("| step | " + " | ".join(labels) + " |\n|---|" + "---|" * len(labels))
  for step in sorted(rows):
    print(f"| {step:,} | " + " | ".join(rows[step].get(label, "") for label in labels) + " |")
  print(f"wrote {_OUT.value}")


if __name__ == "__main__":
  app.run(main)
