"""The paper's relative-pose evaluation (the library of experiments.evaluate_pose).

For every test mesh of the embed workdir's dataset (optionally some categories), and for "2dof" and
"3dof" rotations, views and spherical maps are rendered afresh under 1 + pairs_per_mesh random
rotations (seeded: the same checkpoint gives the same table) and paired per category: same instance
(IB), cross instance (CB) and image to mesh (I2M) (pose_views). The ground truth of a pair with
object rotations R_a, R_b is R_b R_aᵀ; the error is the angle between it and the estimate
(optionally folded over a 180° turn about the up axis, for objects with that symmetry). The methods
(pose_methods.METHODS: E, its unrefined grid argmax, E on degrees ℓ ≤ 1, the oracle Φ(map), the
regression baseline with `regression_workdir`, and random rotations as the reference every method
must beat) share the table. With category templates in the workdir (experiments.build_templates),
a table of absolute pose from one view (each mode, every rendered view): E against its true
category's template, and the regressed pose, per class, with the mean of the per-class medians that
ModelNet10-SO(3) papers report. It reports the median error, acc@15 and acc@30 per category and
over all, the error by confidence quartile, the embeddings' equivariance error on IB pairs beside
that of Φ's targets, and writes pose_<split>.md / .csv / .json, pose_cdf.png and pose_examples.png
(pose_report).

Options are one ml_collections block (`default_options`): what `evaluate_pose --config.x=...` and a
chain's `evaluation` block set.
"""

import json
import os

import jax
import ml_collections
import numpy as np
from absl import logging

from data_pipelines import examples as examples_lib
from experiments.evaluation import pose_methods
from experiments.evaluation import pose_report
from experiments.evaluation import pose_views
from experiments.stages import datasets
from experiments.stages import trained
from experiments.workdir import inference
from experiments.workdir import templates_file

MODES = pose_report.MODES
SPLITS = ("test", "validation")


def default_options() -> ml_collections.ConfigDict:
  """The evaluation's options, every field commented."""
  options = ml_collections.ConfigDict()
  options.step = ml_collections.config_dict.placeholder(int)  # checkpoint step (None: the latest)
  options.output_dir = ""  # where tables and figures go ("": the workdir)
  options.modes = MODES  # rotation modes evaluated, among MODES
  options.categories = ()  # class names evaluated (): all of the dataset's
  options.pairs_per_mesh = 3  # rotations (IB, I2M) and other meshes (CB) per mesh (the paper: 3)
  options.max_meshes_per_category = ml_collections.config_dict.placeholder(int)  # None: all
  options.fold_symmetry = False  # errors folded over a 180° turn about the dataset's up axis
  options.seed = 1  # seeds the views' rotations and the CB partners (not the dataset's own seed)
  options.batch_size = 64  # views per forward pass
  options.num_workers = 0  # processes rendering the views (0: one per core)
  options.regression_workdir = ""  # a regression-baseline workdir whose rows join the table
  options.split = "test"  # "test", or "validation" for choices the test split must not make
  options.methods = tuple(pose_methods.METHODS)  # the rows' methods, among METHODS
  return options


def check_options(options) -> None:
  """ValueError naming the first bad option, before any workdir is read."""
  modes, methods = tuple(options.modes), tuple(options.methods)
  if set(modes) - set(MODES) or not modes:
    raise ValueError(f"modes must be a non-empty subset of {MODES}, got {modes}")
  if set(methods) - set(pose_methods.METHODS):
    raise ValueError(f"methods must be among {tuple(pose_methods.METHODS)}, got {methods}")
  if options.pairs_per_mesh < 1:
    raise ValueError(f"pairs_per_mesh must be >= 1, got {options.pairs_per_mesh}")
  batch_size = options.batch_size
  if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
    raise ValueError(f"batch_size must be an integer >= 1 (views per forward pass), got "
                     f"{batch_size!r}")
  if options.split not in SPLITS:
    raise ValueError(f"split must be one of {SPLITS}, got {options.split!r}")
  datasets.check_max_meshes(options.max_meshes_per_category)


def _with_overrides(options, overrides: dict) -> ml_collections.ConfigDict:
  """A copy of `options` (default: default_options()) with `overrides` set; unknown names fail."""
  options = (options or default_options()).copy_and_resolve_references()
  for name, value in overrides.items():
    if name not in options:
      raise ValueError(f"unknown pose evaluation option {name!r}; options: {sorted(options)}")
    options[name] = tuple(value) if isinstance(value, list) else value
  return options


def _networks(workdir: str, options):
  """(E's model, its step, jitted {"embed", "targets", "poses" (or None)} of batches)."""
  stage, variables, step = trained.load_trained(workdir, options.step, kind="embed",
                                                with_inputs=True)
  functions = {"embed": jax.jit(lambda x: stage.features(variables, x)),
               "targets": jax.jit(stage.targets), "poses": None}
  if options.regression_workdir:
    regression, regression_variables, _ = trained.load_trained(options.regression_workdir,
                                                               kind="regression")
    if regression.input_shape != stage.input_shape:
      raise ValueError(f"{options.regression_workdir} must be a regression workdir on views of "
                       f"shape {stage.input_shape}")
    functions["poses"] = jax.jit(lambda x: regression.features(regression_variables, x))
  return stage, step, functions


def _templates(workdir: str, class_names):
  """The category templates (K, 2b_k, 2b_k, C_k) of workdir/templates.npz, or None without one."""
  if not os.path.exists(os.path.join(workdir, templates_file.TEMPLATES_FILE)):
    return None
  data = templates_file.load_templates(workdir)
  if list(data["class_names"]) != list(class_names):
    raise ValueError(f"{workdir}/templates.npz is for classes {list(data['class_names'])}, the "
                     f"dataset has {class_names}: rebuild it")
  return np.asarray(data["templates"])


def _mode_views(rendered, functions, options, mode: str, up_axis: str, templates, rng):
  """(pose_methods.Views of one mode's rendered examples, their mesh ids, rotations (N, 3, 3))."""
  run = lambda name, key, what: inference.map_batches(functions[name], rendered, key,
                                                      options.batch_size, f"{what} {mode}")
  embeddings, labels, mesh_ids = run("embed", "image", "embedded")
  targets, _, _ = run("targets", "sphere", "Φ features of")
  poses = run("poses", "image", "regressed poses of")[0] if functions["poses"] else None
  views = pose_methods.Views(embeddings, targets, labels, poses, templates, mode, up_axis, rng)
  return views, mesh_ids, np.stack([e["rotation"] for e in rendered]).astype(np.float64)


class _Results:
  """What the evaluation gathers across modes, tasks and methods."""

  def __init__(self):
    self.rows, self.quartiles, self.errors, self.equivariance, self.files = [], {}, {}, {}, {}

  def add(self, errors, views, index_a, class_names, method: str, task: str, confidences):
    rows = pose_report.category_rows(errors, views.labels[index_a], class_names, method, task,
                                     views.mode)
    self.rows += rows + ([pose_report.mean_of_classes_row(rows)]
                         if task == pose_methods.ABSOLUTE else [])
    if task != pose_methods.ABSOLUTE:
      self.errors[(method, task, views.mode)] = errors
    if method == pose_methods.RANKED:
      self.quartiles[(task, views.mode)] = {
          name: pose_report.confidence_quartiles(errors, values)
          for name, values in confidences.items()}


def _evaluate_tasks(views, rotations, pairs, options, up_axis, class_names, results):
  """Runs every chosen method on every task of one mode (absolute pose first, with templates);
  returns E's IB estimates and errors."""
  every_view = (np.arange(len(rotations)),) * 2
  tasks = {pose_methods.ABSOLUTE: every_view, **pairs} if views.templates is not None else pairs
  # CB needs two meshes of a class: with one mesh per class it has no pairs and no rows.
  for task in [task for task, (index_a, _) in tasks.items() if not len(index_a)]:
    logging.warning("%s %s: no pairs (CB needs two meshes of a class); no rows", task, views.mode)
    del tasks[task]
  fold = up_axis if options.fold_symmetry else None
  e_on_ib = None
  for task, (index_a, index_b) in tasks.items():
    for method in options.methods:
      estimate = pose_methods.METHODS[method](views, task, index_a, index_b)
      if estimate is None:
        continue
      estimates, confidences = estimate
      errors = pose_methods.task_errors(task, estimates, rotations, index_a, index_b, fold)
      results.add(errors, views, index_a, class_names, method, task, confidences)
      if (method, task) == (pose_methods.RANKED, "IB"):
        e_on_ib = (estimates, errors)
  return e_on_ib


def _equivariance(views, rotations, pairs) -> dict:
  """{"E", "targets Φ(map)": median equivariance error over IB pairs} of one mode."""
  index_a, index_b = pairs["IB"]
  return {name: float(np.median(pose_methods.equivariance_errors(
      maps[index_a], maps[index_b], rotations[index_a], rotations[index_b])))
          for name, maps in (("E", views.embeddings), ("targets Φ(map)", views.targets))}


def _write_report(results, options, workdir, output_dir, step, data_name) -> dict:
  """Writes the tables, the CDFs and the JSON summary; prints the table; returns the summary."""
  title = (f"Relative pose, {data_name} {options.split} split, E at step {step} "
           f"({os.path.abspath(workdir)}){', symmetry-folded' if options.fold_symmetry else ''}")
  base = os.path.join(output_dir, f"pose_{options.split}")
  table = pose_report.write_tables(results.rows, results.quartiles, results.equivariance, base,
                                   title)
  files = dict(results.files, markdown=base + ".md", csv=base + ".csv", json=base + ".json",
               cdf=os.path.join(output_dir, "pose_cdf.png"))
  pose_report.plot_cdfs(results.errors, files["cdf"], title)
  summary = {"workdir": os.path.abspath(workdir), "step": step, "rows": results.rows,
             "quartiles": {f"{task} {mode}": parts
                           for (task, mode), parts in results.quartiles.items()},
             "equivariance": results.equivariance, "fold_symmetry": options.fold_symmetry,
             "seed": options.seed, "pairs_per_mesh": options.pairs_per_mesh, "files": files}
  with open(files["json"], "w") as f:
    json.dump(summary, f, indent=1)
  print(table, flush=True)
  print("\n".join(f"{name}: {path}" for name, path in files.items()), flush=True)
  return summary


def evaluate(workdir: str, options=None, **overrides) -> dict:
  """Evaluates relative (and, with templates, absolute) pose with the embedding network trained in
  `workdir` on its test meshes (or validation meshes).

  Args:
    workdir: an embed workdir (experiments.train with configs/embed*.py).
    options: a block of `default_options()` (default: that block).
    **overrides: options set by name on a copy, e.g. output_dir="/tmp/pose", modes=("3dof",).

  Returns:
    {"rows": [{method, task, mode, category, median, acc@15, acc@30, count}], "quartiles": {...},
     "equivariance": {...}, "files": {...}, "step": ..., "workdir": ...}.
  """
  options = _with_overrides(options, overrides)
  check_options(options)
  stage, step, functions = _networks(workdir, options)
  output_dir = options.output_dir or workdir
  os.makedirs(output_dir, exist_ok=True)
  data = stage.config.data
  records, class_names, up_axis = datasets.mesh_records(
      data, options.split, list(options.categories) or None, options.max_meshes_per_category)
  templates = _templates(workdir, class_names)
  guess_rng = np.random.default_rng(options.seed + 1)  # the random reference's own stream
  results = _Results()
  for mode in options.modes:
    spec = examples_lib.ExampleSpec(
        image_size=data.builder.image_size, bandwidth=data.builder.bandwidth,
        channels=data.builder.channels, views_per_mesh=1 + options.pairs_per_mesh,
        rotation_mode=mode, up_axis=up_axis, seed=options.seed)
    cache = os.path.join(output_dir, "pose_eval_views")
    rendered = pose_views.cached_examples(records, spec, cache, options.num_workers)
    views, mesh_ids, rotations = _mode_views(rendered, functions, options, mode, up_axis, templates,
                                             guess_rng)
    pairs = pose_views.make_pairs(mesh_ids, views.labels, options.pairs_per_mesh,
                                  np.random.default_rng(options.seed))
    results.equivariance[mode] = _equivariance(views, rotations, pairs)
    e_on_ib = _evaluate_tasks(views, rotations, pairs, options, up_axis, class_names, results)
    if e_on_ib is not None and mode == options.modes[-1]:
      results.files["examples"] = os.path.join(output_dir, "pose_examples.png")
      pose_report.plot_examples({r.mesh_id: r for r in records}, rendered, pairs["IB"], *e_on_ib,
                                data.builder.image_size, results.files["examples"],
                                f"IB {mode.upper()} pairs, E at step {step}", class_names)
  return _write_report(results, options, workdir, output_dir, step, data.name)
