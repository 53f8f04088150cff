r"""Learning curves of embed runs side by side: validation pose median against images seen.

  python -m benchmarks.plot_learning_curves --out=curves.png \
      --run="lifted E=/tmp/e_lifted" --run="encoder-decoder E=/tmp/e_old"

Reads each workdir's metrics.jsonl (the eval records' `pose_median`, `pose_acc@15` and
`relative_error`) and config.json (the batch size); draws the pose median and the validation
relative error against images seen, and prints the curves as a Markdown table. With --fit_target,
each run's pose median over the later part of its curve (--fit_from) is fitted by a line in
log10(images seen), drawn dashed, and its slope per tenfold images and the images at which it
would reach the target are printed: a crude extrapolation (medians of a few hundred pairs are
noisy, and the curve need not stay log-linear), stated as such.
"""

import json
import os

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
from absl import app
from absl import flags

from experiments.workdir import config_io

_RUNS = flags.DEFINE_multi_string("run", [], "label=workdir of an embed run; repeat per run.")
_OUT = flags.DEFINE_string("out", "learning_curves.png", "PNG file to write.")
_TITLE = flags.DEFINE_string("title", "Validation pose median against images seen", "Plot title.")
_FIT_TARGET = flags.DEFINE_float("fit_target", None, "Pose median (°) that each run's log-linear "
                                 "fit is extrapolated to (default: no fit).")
_FIT_FROM = flags.DEFINE_float("fit_from", 0.25, "The fit uses evaluations after this fraction of "
                               "the run's images seen (the warm-up and first drop left out).")


def log_linear_fit(images, medians) -> tuple[float, float]:
  """(a, b) of median ≈ a + b·log10(images), least squares; images (N,) > 0, N >= 2."""
  slope, intercept = np.polyfit(np.log10(np.asarray(images, np.float64)),
                                np.asarray(medians, np.float64), 1)
  return float(intercept), float(slope)


def images_to_reach(fit, target: float) -> float | None:
  """Images seen at which the fit's median reaches `target` (°), or None if it does not fall."""
  intercept, slope = fit
  return None if slope >= 0 else float(10 ** ((target - intercept) / slope))


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
  rows, fits = {}, []
  for run in _RUNS.value:
    label, _, workdir = run.partition("=")
    if not workdir:
      raise app.UsageError(f"--run must be label=workdir, got {run!r}")
    batch = config_io.load_config(workdir).batch_size
    curve = read_curve(workdir)
    images = np.asarray([r["step"] * batch for r in curve], np.float64)
    pose_axis.plot(images / 1000, [r["pose_median"] for r in curve], marker="o", label=label)
    error_axis.plot(images / 1000, [r["relative_error"] for r in curve], marker="o", label=label)
    if _FIT_TARGET.value is not None:
      fits.append((label, _fit_run(pose_axis, images, curve)))
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
  for label, (fit, images_seen) in fits:
    reach = images_to_reach(fit, _FIT_TARGET.value)
    reach = (f"{reach / 1e3:,.0f}k images ({reach / images_seen:,.1f}× this run)" if reach
             else "never (the fit does not fall)")
    print(f"fit {label}: median ≈ {fit[0]:.1f}° {fit[1]:+.1f}° · log10(images); "
          f"{fit[1]:+.1f}° per tenfold images; {_FIT_TARGET.value:g}° at {reach}")
  print(f"wrote {_OUT.value}")


def _fit_run(axis, images, curve):
  """((a, b), images seen) of a run's log-linear fit from --fit_from on; drawn dashed (in thousands,
  as the curves). images: (N,) images seen at each evaluation of `curve`."""
  later = images >= _FIT_FROM.value * images[-1]
  if later.sum() < 2:
    raise app.UsageError(f"fewer than two evaluations after --fit_from={_FIT_FROM.value} of the run")
  fit = log_linear_fit(images[later], [r["pose_median"] for r, keep in zip(curve, later) if keep])
  line = np.geomspace(images[later][0], images[-1], 50)
  axis.plot(line / 1000, fit[0] + fit[1] * np.log10(line), "--", color="gray", linewidth=1)
  return fit, float(images[-1])


if __name__ == "__main__":
  app.run(main)
