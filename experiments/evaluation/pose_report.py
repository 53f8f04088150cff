"""The pose evaluation's report: table rows, the markdown and CSV tables, error CDFs and example
sheets (the library of experiments.evaluate_pose writes them with these)."""

import csv
import textwrap

import matplotlib
import numpy as np

import data_pipelines
from equivariant_embeddings import pose
from experiments.evaluation import pose_methods
from experiments.evaluation import pose_views

matplotlib.use("Agg")  # headless: write files, never open windows
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top

MODES = ("2dof", "3dof")


def mean_of_classes_row(method_rows) -> dict:
  """The mean of the per-class medians of one method's rows (per class, then "all"), as the
  ModelNet10-SO(3) papers report absolute pose."""
  last = method_rows[-1]
  medians = [row["median"] for row in method_rows[:-1]]
  return {"method": last["method"], "task": last["task"], "mode": last["mode"],
          "category": "mean of classes", "median": float(np.mean(medians)),
          "acc@15": float("nan"), "acc@30": float("nan"), "count": last["count"]}


def category_rows(errors, labels, class_names, method: str, task: str, mode: str) -> list:
  """Table rows of errors (P,) with class labels (P,): one per class present, then "all"."""
  key = {"method": method, "task": task, "mode": mode}
  rows = [{**key, "category": class_names[label],
           **_row(pose.error_summary(errors[labels == label]))}
          for label in sorted(set(labels.tolist()))]
  return rows + [{**key, "category": "all", **_row(pose.error_summary(errors))}]


def confidence_quartiles(errors, confidences) -> list:
  """Median error in each quartile of confidence, lowest confidence first: 4 dicts."""
  if len(errors) < 4:
    return []
  order = np.argsort(confidences)
  return [{"confidence_from": float(confidences[part[0]]), "confidence_to": float(
      confidences[part[-1]]), **pose.error_summary(errors[part])}
          for part in np.array_split(order, 4)]


def write_tables(rows, quartiles, equivariance, path_base, title) -> str:
  """Writes path_base.csv (every row) and path_base.md (a table per task and mode, the confidence
  quartiles and the equivariance errors); returns the markdown."""
  with open(path_base + ".csv", "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=["method", "task", "mode", "category", "median",
                                           "acc@15", "acc@30", "count"])
    writer.writeheader()
    writer.writerows(rows)
  lines = [f"# {title}", "", "Each cell: median error (°) / acc@15 / acc@30 (%).", ""]
  for mode in MODES:
    for task in pose_views.TASKS + (pose_methods.ABSOLUTE,):
      selected = [r for r in rows if r["mode"] == mode and r["task"] == task]
      if not selected:
        continue
      categories = list(dict.fromkeys(r["category"] for r in selected))
      lines += [f"## {task}, {mode.upper()}", "", "| method | " + " | ".join(categories) + " |",
                "|---|" + "---|" * len(categories)]
      for method in dict.fromkeys(r["method"] for r in selected):
        cells = {r["category"]: r for r in selected if r["method"] == method}
        lines.append(f"| {method} | " + " | ".join(
            _cell(c) if (c := cells.get(name)) else "" for name in categories) + " |")
      lines.append("")
  if quartiles:
    lines += ["## E: median error by confidence quartile (lowest confidence first)", "",
              "peak: the correlation peak as a cosine; margin: the peak minus the best peak "
              f"more than {pose.MARGIN_SEPARATION_DEG:.0f}° away (equivariant_embeddings.pose).",
              "", "| task | mode | confidence | Q1 | Q2 | Q3 | Q4 |",
              "|---|---|---|---|---|---|---|"]
    for (task, mode), by_confidence in quartiles.items():
      for name, parts in by_confidence.items():
        lines.append(f"| {task} | {mode} | {name} | " + " | ".join(
            f"{p['median']:.1f}° ({p['confidence_from']:.2f}–{p['confidence_to']:.2f})"
            for p in parts) + " |")
  if equivariance:
    lines += ["", "## Equivariance: median of ‖m(view b) − R_b R_aᵀ·m(view a)‖ / ‖m(view b)‖ over "
              "IB pairs", "", "| mode | " + " | ".join(next(iter(equivariance.values()))) + " |",
              "|---|" + "---|" * len(next(iter(equivariance.values())))]
    for mode, values in equivariance.items():
      lines.append(f"| {mode} | " + " | ".join(f"{v:.3f}" for v in values.values()) + " |")
  text = "\n".join(lines) + "\n"
  with open(path_base + ".md", "w") as f:
    f.write(text)
  return text


def _cell(row) -> str:
  if np.isnan(row["acc@15"]):
    return f"{row['median']:.2f}"
  return f"{row['median']:.2f} / {100 * row['acc@15']:.0f} / {100 * row['acc@30']:.0f}"


def plot_cdfs(errors: dict, path: str, title: str) -> None:
  """Error CDFs, one panel per mode: errors {(method, task, mode): (P,) degrees}."""
  modes = [m for m in MODES if any(key[2] == m for key in errors)]
  fig, axes = plt.subplots(1, len(modes), figsize=(6 * len(modes), 4.2), squeeze=False)
  for ax, mode in zip(axes[0], modes):
    for (method, task, key_mode), values in errors.items():
      if key_mode == mode and len(values):
        ax.plot(np.sort(values), np.arange(1, len(values) + 1) / len(values),
                label=f"{method}, {task}", linestyle="--" if method == pose_methods.ORACLE else "-")
    ax.set_xlim(0, 180)
    ax.set_ylim(0, 1)
    ax.set_xlabel("relative pose error (°)")
    ax.set_ylabel("fraction of pairs")
    ax.set_title(mode.upper())
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
  # Wrapped to the figure's width: the title names the workdir, which can be long.
  lines = textwrap.wrap(title, 75 * len(modes))
  fig.suptitle("\n".join(lines), fontsize=9)
  fig.tight_layout(rect=(0, 0, 1, 1 - 0.16 * len(lines) / fig.get_figheight()))
  fig.savefig(path, dpi=100)
  plt.close(fig)


def plot_examples(records_by_id, examples, pairs, estimates, errors, image_size, path, title,
                  class_names, count: int = 8) -> None:
  """Rows of: view a, view b, the first object rendered at the estimated pose in b, and at the
  true pose; for the first pair of each category (up to `count`), best first."""
  first_of_class = {}
  for index, example_index in enumerate(pairs[0]):
    first_of_class.setdefault(int(examples[example_index]["label"]), index)
  chosen = sorted(list(first_of_class.values())[:count], key=lambda index: errors[index])
  fig, axes = plt.subplots(len(chosen), 4, figsize=(8, 2.1 * len(chosen) + 0.5), squeeze=False)
  for row, index in enumerate(chosen):
    a, b = examples[pairs[0][index]], examples[pairs[1][index]]
    mesh = records_by_id[a["mesh_id"]].load()
    estimated = data_pipelines.render_view(mesh, image_size,
                                           rotation=estimates[index] @ a["rotation"])
    truth = data_pipelines.render_view(mesh, image_size, rotation=b["rotation"])
    panels = (a["image"], b["image"], estimated, truth)
    names = (f"{class_names[int(a['label'])]}: view a", "view b",
             f"estimate ({errors[index]:.1f}°)", "truth")
    for ax, image, name in zip(axes[row], panels, names):
      ax.imshow(np.asarray(image)[..., 0], cmap="gray", vmin=0, vmax=1)
      ax.set_title(name, fontsize=8)
      ax.axis("off")
  fig.suptitle(title, fontsize=9)
  fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / fig.get_figheight()))  # room for the title
  fig.savefig(path, dpi=100)
  plt.close(fig)


def _row(summary: dict) -> dict:
  return {"median": summary["median"], "acc@15": summary["acc@15"], "acc@30": summary["acc@30"],
          "count": summary["count"]}
