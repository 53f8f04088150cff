"""Where a trained shape classifier errs (the library of experiments.evaluate_classifier).

`evaluate(workdirs, split)` classifies every map of a split with the latest checkpoint of one
workdir, or with the ensemble of several (their class probabilities averaged), and returns per-class
accuracy, the confusion matrix, the accuracy of a vote over each mesh's views and, for mesh folders,
the accuracy on meshes with much of their surface missing (`data_pipelines.hull_area_ratio` below a
threshold).
"""

import json
import os

import jax
import numpy as np
from absl import logging

import data_pipelines
from experiments.stages import datasets
from experiments.stages import trained
from experiments.workdir import config_io
from experiments.workdir import inference
from experiments.workdir import metrics


def predict(stage, variables, source, batch_size: int):
  """(class probabilities (N, K) float32, labels (N,) int, mesh ids [N]) for every example of a
  dataset source."""
  probabilities_fn = jax.jit(lambda x: jax.nn.softmax(stage.logits(variables, x)))
  return inference.map_batches(probabilities_fn, source, "sphere", batch_size, "classified maps")


def vote_accuracy(predictions, labels, mesh_ids) -> float:
  """Accuracy of the majority prediction over each mesh's views (ties: the smallest class index)."""
  views = inference.group_by_mesh(mesh_ids)
  correct = [np.bincount(predictions[v]).argmax() == labels[v[0]] for v in views.values()]
  return float(np.mean(correct))


def mesh_path(mesh_dir: str, mesh_id: str):
  """The file of a ModelNet-layout mesh id "<class>/<name>" (train or test folder), or None."""
  if "/" not in mesh_id:
    return None
  category, name = mesh_id.split("/", 1)
  for split in ("train", "test"):
    path = os.path.join(mesh_dir, category, split, name + ".off")
    if os.path.isfile(path):
      return path
  return None


def damaged_meshes(mesh_dir: str, mesh_ids, threshold: float):
  """{mesh id: hull_area_ratio < threshold} for every id whose file is found and usable (the others,
  and flat meshes, are left out and logged)."""
  damaged, left_out = {}, []
  for mesh_id in sorted(set(mesh_ids)):
    path = mesh_path(mesh_dir, mesh_id)
    try:
      if path is None:
        raise data_pipelines.MeshError(f"no file for {mesh_id} under {mesh_dir}")
      mesh = data_pipelines.normalize_mesh(data_pipelines.load_mesh(path))
      damaged[mesh_id] = data_pipelines.hull_area_ratio(mesh) < threshold
    except data_pipelines.MeshError as error:
      left_out.append(str(error))
  if left_out:
    logging.warning("damage check: %d meshes left out, e.g. %s", len(left_out), left_out[0])
  return damaged


def report(predictions, labels, mesh_ids, class_names, damaged=None) -> dict:
  """The evaluation summary: accuracy, vote accuracy, per-class accuracy, confusion matrix and, with
  `damaged` ({mesh id: bool}), the accuracy on damaged and on intact meshes."""
  matrix = metrics.confusion_matrix(labels, predictions, len(class_names))
  per_class = np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)
  summary = {
      "num_examples": len(labels),
      "num_meshes": len(set(mesh_ids)),
      "accuracy": float(np.mean(predictions == labels)),
      "vote_accuracy": vote_accuracy(predictions, labels, mesh_ids),
      "per_class_accuracy": dict(zip(class_names, map(float, per_class))),
      "confusion_matrix": matrix.tolist(),
      "class_names": list(class_names),
  }
  if damaged:
    is_damaged = np.array([damaged.get(mesh_id) is True for mesh_id in mesh_ids])
    is_intact = np.array([damaged.get(mesh_id) is False for mesh_id in mesh_ids])
    correct = predictions == labels
    accuracy = lambda mask: float(np.mean(correct[mask])) if mask.any() else None
    summary["damaged"] = {"fraction_of_meshes": float(np.mean(list(damaged.values()))),
                          "accuracy": accuracy(is_damaged), "intact_accuracy": accuracy(is_intact)}
  return summary


def format_report(summary: dict, title: str) -> str:
  lines = [f"{title}: accuracy {summary['accuracy']:.4f} over {summary['num_examples']} maps, "
           f"vote over views {summary['vote_accuracy']:.4f} over {summary['num_meshes']} meshes"]
  if "damaged" in summary:
    d = summary["damaged"]
    fmt = lambda v: "n/a" if v is None else f"{v:.4f}"
    lines.append(f"damaged meshes (surface < threshold × hull): {d['fraction_of_meshes']:.1%} of "
                 f"meshes, accuracy {fmt(d['accuracy'])}; intact {fmt(d['intact_accuracy'])}")
  width = max(map(len, summary["class_names"]))
  matrix = np.asarray(summary["confusion_matrix"])
  lines.append(" " * (width + 9) + " ".join(f"{name[:5]:>5}" for name in summary["class_names"]))
  for name, row in zip(summary["class_names"], matrix):
    accuracy = summary["per_class_accuracy"][name]
    lines.append(f"{name:>{width}} {accuracy:7.1%} " + " ".join(f"{count:5d}" for count in row))
  return "\n".join(lines)


def evaluate(workdirs, split=None, step=None, batch_size: int = 64, damage_threshold: float = 0.5,
             output_dir=None) -> dict:
  """Evaluates the classifier trained in a workdir, or the ensemble of several, on `split`.

  Args:
    workdirs: a training workdir, or a list of them; an ensemble averages its members' class
      probabilities, and its members must read the same maps (the same dataset options).
    split: the split to evaluate (default: the first workdir's test_split, else its eval_split).
    step: the checkpoint step of every member (default: each one's latest).
    batch_size: maps per forward pass.
    damage_threshold: hull_area_ratio below which a mesh counts as damaged.
    output_dir: where evaluation_<split>.json and confusion_<split>.png go (default: the workdir;
      required for an ensemble).

  Returns:
    The summary (see `report`) with "split", "damage_threshold", "workdirs" and, for an ensemble,
    "member_accuracy" (each member's own accuracy).
  """
  workdirs = [workdirs] if isinstance(workdirs, str) else list(workdirs)
  if not workdirs:
    raise ValueError("no workdir to evaluate")
  if output_dir is None:
    if len(workdirs) > 1:
      raise ValueError(f"an ensemble of {len(workdirs)} workdirs needs an output_dir")
    output_dir = workdirs[0]
  config = config_io.load_config(workdirs[0])
  split = split or config.data.test_split or config.data.eval_split
  member_probabilities, labels, mesh_ids = [], None, None
  for workdir in workdirs:
    stage, variables, _ = trained.load_trained(workdir, step, kind="spherical_cnn")
    source = datasets.open_split(stage.config.data, split)
    probabilities, member_labels, member_ids = predict(stage, variables, source, batch_size)
    if labels is not None and (member_ids != mesh_ids or not np.array_equal(member_labels, labels)):
      raise ValueError(f"{workdir} reads other {split} maps than {workdirs[0]}: an ensemble's "
                       "members need the same dataset options")
    member_probabilities.append(probabilities)
    labels, mesh_ids = member_labels, member_ids
  predictions = np.mean(member_probabilities, axis=0).argmax(axis=-1)
  damaged = None
  if config.data.mesh_dir and os.path.isdir(config.data.mesh_dir):
    damaged = damaged_meshes(config.data.mesh_dir, mesh_ids, damage_threshold)
  summary = report(predictions, labels, mesh_ids, source.class_names, damaged)
  summary.update(split=split, damage_threshold=damage_threshold, workdirs=workdirs)
  dataset = f"{config.data.name}/{split}"
  title = dataset
  if len(workdirs) > 1:
    summary["member_accuracy"] = [float(np.mean(p.argmax(axis=-1) == labels))
                                  for p in member_probabilities]
    members = ", ".join(f"{accuracy:.4f}" for accuracy in summary["member_accuracy"])
    title += f", ensemble of {len(workdirs)} (members' accuracy {members})"
  os.makedirs(output_dir, exist_ok=True)
  with open(os.path.join(output_dir, f"evaluation_{split}.json"), "w") as f:
    json.dump(summary, f, indent=1)
  metrics.plot_confusion_matrix(summary["confusion_matrix"], source.class_names,
                                os.path.join(output_dir, f"confusion_{split}.png"),
                                title=f"{dataset}: accuracy {summary['accuracy']:.1%}")
  print(format_report(summary, title), flush=True)
  return summary
