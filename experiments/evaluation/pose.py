"""The paper's relative-pose evaluation (the library of experiments.evaluate_pose).

For every test mesh of the embed workdir's dataset (optionally some categories), and for "2dof" and
"3dof" rotations, views and spherical maps are rendered afresh under 1 + pairs_per_mesh random
rotations (seeded: the same checkpoint gives the same table). Then, per category:
  IB   same instance: view 0 of a mesh against each of its other views;
  CB   cross instance: view 0 of a mesh against view 0 of pairs_per_mesh other meshes of its category
       (ground truth needs meshes aligned per category, as ModelNet's are);
  I2M  image to mesh: view 0 of a mesh against Φ's features of the ray-cast map of its other views.
The ground truth of a pair with object rotations R_a, R_b is R_b R_aᵀ; the error is the angle between
it and the estimate (optionally folded over a 180° turn about the up axis, for objects with that
symmetry). Methods, in the same table:
  E                    this method: the SO(3) correlation of the two embeddings, refined maximum;
  E, grid argmax       the same correlation's best cell on a grid of 8b points per Euler angle (what
                       the paper's SOFT grid on 4× upsampled embeddings resolves), no refinement;
  oracle Φ(map)        Φ's normalised features of the true ray-cast maps in place of E: the bound
                       that E approaches (IB and CB only);
  regression baseline  with `regression_workdir`: R̂_b R̂_aᵀ from two regressed poses (IB, CB).
  random rotation (reference)  guesses that know only the rotation distribution of the views: the
                       figure every method must beat (3DOF: median 132°, mean 126.5°).
With category templates in the workdir (experiments.build_templates), a table of absolute pose from
one view (each mode, every rendered view): E against its true category's template, and the regressed
pose, per class, with the mean of the per-class medians that ModelNet10-SO(3) papers report.
It reports the median error, acc@15 and acc@30 per category and over all, the error by confidence
quartile, the embeddings' equivariance error on IB pairs beside that of Φ's targets, and writes
pose_<split>.md / .csv / .json, pose_cdf.png and pose_examples.png.
"""

import csv
import hashlib
import json
import os

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
from absl import logging

import data_pipelines
from data_pipelines import examples as examples_lib
from equivariant_embeddings import pose
from equivariant_embeddings import sphere
from experiments.stages import datasets
from experiments.stages import trained
from experiments.workdir import inference
from experiments.workdir import templates_file

matplotlib.use("Agg")  # headless: write files, never open windows
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top

MODES = ("2dof", "3dof")
TASKS = ("IB", "CB", "I2M")
METHOD_E, METHOD_GRID, METHOD_ORACLE = "E", "E, grid argmax", "oracle Φ(map)"
METHOD_REGRESSION = "regression baseline"
METHOD_RANDOM = "random rotation (reference)"
UP_AXES = {"z": np.diag([-1.0, -1.0, 1.0]), "y": np.diag([-1.0, 1.0, -1.0])}  # 180° about up
_CHUNK = 128  # pairs per correlation call


def _record_task(task):
  record, spec = task
  return examples_lib.record_examples(record, spec)


def render_examples(records, spec, num_workers: int = 0) -> list:
  """The examples of every record under `spec` (bad meshes are skipped and logged)."""
  results = inference.parallel_map(_record_task, [(record, spec) for record in records],
                                   num_workers)
  rendered, skipped = [], []
  for (mesh_examples, error) in results:
    if error:
      skipped.append(error)
    rendered += [example for _, example in mesh_examples]
  if skipped:
    logging.warning("pose evaluation: skipped %d unusable meshes, e.g. %s", len(skipped), skipped[0])
  return rendered


def _cached_examples(records, spec, cache_dir, num_workers):
  """render_examples, kept as an .npz in cache_dir keyed by the meshes and the spec."""
  key = hashlib.sha1(repr((spec, [(r.mesh_id, r.path, r.synthetic) for r in records])).encode())
  path = os.path.join(cache_dir, f"views_{spec.rotation_mode}_{key.hexdigest()[:12]}.npz")
  if os.path.exists(path):
    with np.load(path) as data:
      return [{"image": image, "sphere": sphere_map, "rotation": rotation, "label": int(label),
               "mesh_id": str(mesh_id)} for image, sphere_map, rotation, label, mesh_id in zip(
                   data["image"], data["sphere"], data["rotation"], data["label"], data["mesh_id"])]
  logging.info("rendering %d meshes × %d views (%s)", len(records), spec.views_per_mesh,
               spec.rotation_mode)
  rendered = render_examples(records, spec, num_workers)
  os.makedirs(cache_dir, exist_ok=True)
  np.savez(path + ".tmp.npz", **{key: np.stack([e[key] for e in rendered])
                                 for key in ("image", "sphere", "rotation", "label", "mesh_id")})
  os.replace(path + ".tmp.npz", path)
  return rendered


def make_pairs(mesh_ids, labels, pairs_per_mesh: int, rng: np.random.Generator) -> dict:
  """{task: (index_a (P,), index_b (P,))} into the examples (views of each mesh in order)."""
  groups = inference.group_by_mesh(mesh_ids)
  by_class = {}
  for mesh_id, indices in groups.items():
    by_class.setdefault(int(labels[indices[0]]), []).append(mesh_id)
  same, cross = [], []
  for mesh_id, indices in groups.items():
    same += [(indices[0], other) for other in indices[1:1 + pairs_per_mesh]]
    others = [m for m in by_class[int(labels[indices[0]])] if m != mesh_id]
    chosen = rng.choice(len(others), min(pairs_per_mesh, len(others)), replace=False)
    cross += [(indices[0], groups[others[i]][0]) for i in chosen]
  as_arrays = lambda pairs: tuple(np.asarray(column, np.int64).reshape(-1)
                                  for column in (zip(*pairs) if pairs else ((), ())))
  return {"IB": as_arrays(same), "CB": as_arrays(cross), "I2M": as_arrays(same)}


_align = jax.jit(pose.align)
_align_with_margin = jax.jit(pose.align_with_margin)


def grid_argmax(f, g, grid_bandwidth: int):
  """The best cell of the correlation grid, no refinement: rotations (..., 3, 3)."""
  values, (alpha, beta, gamma) = sphere.so3_correlation(f, g, grid_bandwidth)
  n = len(alpha)
  a, j, c = jnp.unravel_index(jnp.argmax(values.reshape(*values.shape[:-3], -1), axis=-1), (n,) * 3)
  return sphere.euler_to_matrix(jnp.asarray(alpha)[a], jnp.asarray(beta)[j], jnp.asarray(gamma)[c])


_grid_argmax = jax.jit(grid_argmax, static_argnums=2)


def estimate(f, g, method: str):
  """(rotations (P, 3, 3), {confidence name: (P,)}) of pairs of maps f, g (P, 2b, 2b, C), in
  chunks, with both of pose.CONFIDENCES; METHOD_GRID has none (NaN): only E's refined estimates are
  ranked by them."""
  rotations, confidences = [], {name: [] for name in pose.CONFIDENCES}
  b = f.shape[1] // 2
  for first in range(0, len(f), _CHUNK):
    part_f, part_g = f[first:first + _CHUNK], g[first:first + _CHUNK]
    if method == METHOD_GRID:
      rotation = _grid_argmax(part_f, part_g, 4 * b)
      peak = margin = np.full(len(part_f), np.nan)
    else:
      rotation, peak, margin = _align_with_margin(part_f, part_g)
    rotations.append(np.asarray(rotation))
    confidences["peak"].append(np.asarray(peak))
    confidences["margin"].append(np.asarray(margin))
  if not rotations:
    return np.zeros((0, 3, 3)), {name: np.zeros((0,)) for name in pose.CONFIDENCES}
  return np.concatenate(rotations), {k: np.concatenate(v) for k, v in confidences.items()}


def pose_errors(estimates, rotation_a, rotation_b, fold_up_axis=None):
  """Angles (P,) in degrees between estimates and R_b R_aᵀ; with fold_up_axis ("z"/"y"), the
  smaller of that and the error against R_b S R_aᵀ, S the 180° turn about the up axis."""
  truth = rotation_b @ np.swapaxes(rotation_a, -1, -2)
  errors = np.asarray(sphere.rotation_angle_deg(estimates, truth), np.float64)
  if fold_up_axis is not None:
    folded = rotation_b @ UP_AXES[fold_up_axis] @ np.swapaxes(rotation_a, -1, -2)
    errors = np.minimum(errors, np.asarray(sphere.rotation_angle_deg(estimates, folded)))
  return errors


def random_guesses(count: int, mode: str, up_axis: str, rng: np.random.Generator,
                   relative: bool = True) -> np.ndarray:
  """(count, 3, 3) guesses that know only the views' rotation distribution: R'_b R'_aᵀ of two
  independent draws of `mode` (relative), or one draw (absolute). The reference every method must
  beat: its error is the angle of a uniform rotation in 3DOF (median 132.3°, mean 126.5°); 2DOF
  pairs: median 115° (measured, 4,000 pairs)."""
  draw = lambda: np.stack([data_pipelines.random_rotation(rng, mode, up_axis) for _ in range(count)])
  if not relative:
    return draw()
  first, second = draw(), draw()
  return second @ np.swapaxes(first, -1, -2)


def absolute_pose_rows(embeddings, labels, rotations, template_data, class_names, mode: str,
                       regressed=None, guesses=None) -> list:
  """Rows of task "absolute" in `mode`: every view's pose from E and its category's template
  (the true category; R with R·template ≈ E(view)), and, given, the regressed poses; per class, over
  all, and the mean of the per-class medians (category "mean of classes"); and, given, rows of
  random `guesses`."""
  templates = np.asarray(template_data["templates"])
  methods = {METHOD_E + " + template": None}
  if regressed is not None:
    methods[METHOD_REGRESSION] = regressed
  if guesses is not None:
    methods[METHOD_RANDOM] = guesses
  rows = []
  for method, estimates in methods.items():
    if estimates is None:
      estimates = np.concatenate([np.asarray(_align(templates[labels[i:i + _CHUNK]],
                                                    embeddings[i:i + _CHUNK])[0])
                                  for i in range(0, len(labels), _CHUNK)])
    errors = np.asarray(sphere.rotation_angle_deg(estimates, rotations), np.float64)
    method_rows = category_rows(errors, labels, class_names, method, "absolute", mode)
    medians = [row["median"] for row in method_rows[:-1]]
    rows += method_rows + [{"method": method, "task": "absolute", "mode": mode,
                            "category": "mean of classes", "median": float(np.mean(medians)),
                            "acc@15": float("nan"), "acc@30": float("nan"), "count": len(errors)}]
  return rows


def category_rows(errors, labels, class_names, method: str, task: str, mode: str) -> list:
  """Table rows of errors (P,) with class labels (P,): one per class present, then "all"."""
  key = {"method": method, "task": task, "mode": mode}
  rows = [{**key, "category": class_names[label],
           **_row(pose.error_summary(errors[labels == label]))}
          for label in sorted(set(labels.tolist()))]
  return rows + [{**key, "category": "all", **_row(pose.error_summary(errors))}]


def equivariance_errors(maps_a, maps_b, rotation_a, rotation_b):
  """‖B(m_b) − R·B(m_a)‖ / ‖B(m_b)‖ per pair, R = R_b R_aᵀ and B the band limit (where rotation is
  exact): how far maps of two views of one mesh are from rotated copies of each other. (P,)."""
  errors = []
  for first in range(0, len(maps_a), _CHUNK):
    part = slice(first, first + _CHUNK)
    relative = rotation_b[part] @ np.swapaxes(rotation_a[part], -1, -2)
    rotated = sphere.rotate_spherical(maps_a[part], relative.astype(np.float32))
    target = sphere.band_limit(maps_b[part])
    errors.append(np.asarray(jnp.linalg.norm((target - rotated).reshape(len(target), -1), axis=1) /
                             jnp.linalg.norm(target.reshape(len(target), -1), axis=1)))
  return np.concatenate(errors) if errors else np.zeros((0,))


def confidence_quartiles(errors, confidences) -> list:
  """Median error in each quartile of confidence, lowest confidence first: 4 dicts."""
  if len(errors) < 4:
    return []
  order = np.argsort(confidences)
  return [{"confidence_from": float(confidences[part[0]]), "confidence_to": float(
      confidences[part[-1]]), **pose.error_summary(errors[part])}
          for part in np.array_split(order, 4)]


def _write_tables(rows, quartiles, equivariance, path_base, title) -> str:
  with open(path_base + ".csv", "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=["method", "task", "mode", "category", "median",
                                           "acc@15", "acc@30", "count"])
    writer.writeheader()
    writer.writerows(rows)
  lines = [f"# {title}", "", "Each cell: median error (°) / acc@15 / acc@30 (%).", ""]
  for mode in MODES:
    for task in TASKS + ("absolute",):
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
                label=f"{method}, {task}", linestyle="--" if method == METHOD_ORACLE else "-")
    ax.set_xlim(0, 180)
    ax.set_ylim(0, 1)
    ax.set_xlabel("relative pose error (°)")
    ax.set_ylabel("fraction of pairs")
    ax.set_title(mode.upper())
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
  fig.suptitle(title)
  fig.tight_layout()
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


def evaluate(workdir: str, step=None, output_dir=None, modes=MODES, categories=None,
             pairs_per_mesh: int = 3, max_meshes_per_category=None, fold_symmetry: bool = False,
             seed: int = 1, batch_size: int = 64, num_workers: int = 0,
             regression_workdir=None, split: str = "test") -> dict:
  """Evaluates relative pose with the embedding network trained in `workdir` on its test meshes
  (or validation meshes).

  Args:
    workdir: an embed workdir (experiments.train with configs/embed*.py).
    step: the checkpoint step (default: the latest).
    output_dir: where the tables and figures go (default: the workdir).
    modes: rotation modes, among MODES.
    categories: class names to evaluate (default: all of the dataset's).
    pairs_per_mesh: random rotations (IB, I2M) and other meshes (CB) per test mesh (the paper: 3).
    max_meshes_per_category: evaluate only the first this many test meshes of each category.
    fold_symmetry: errors folded over a 180° turn about the dataset's up axis.
    seed: seeds the views' rotations and the CB partners (not the dataset's own seed).
    batch_size: views per forward pass.
    num_workers: processes rendering the views (0: one per core).
    regression_workdir: a regression-baseline workdir (configs/regression.py) on views of the same
      size, whose rows join the table (its latest checkpoint).
    split: the meshes evaluated: "test", or "validation" for choices (layers, sizes) that the test
      split must not make.

  Returns:
    {"rows": [{method, task, mode, category, median, acc@15, acc@30, count}], "quartiles": {...},
     "files": {...}, "step": ..., "workdir": ...}.
  """
  unknown = set(modes) - set(MODES)
  if unknown or not modes:
    raise ValueError(f"modes must be a non-empty subset of {MODES}, got {modes}")
  if pairs_per_mesh < 1:
    raise ValueError(f"pairs_per_mesh must be >= 1, got {pairs_per_mesh}")
  if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
    raise ValueError(f"batch_size must be an integer >= 1 (views per forward pass), got "
                     f"{batch_size!r}")
  datasets.check_max_meshes(max_meshes_per_category)
  stage, variables, step = trained.load_trained(workdir, step, kind="embed", with_inputs=True)
  output_dir = output_dir or workdir
  os.makedirs(output_dir, exist_ok=True)
  config = stage.config
  records, class_names, up_axis = datasets.mesh_records(config.data, split, categories,
                                                        max_meshes_per_category)
  records_by_id = {r.mesh_id: r for r in records}
  builder = config.data.builder
  embed_fn = jax.jit(lambda x: stage.features(variables, x))
  poses_fn = None
  if regression_workdir:
    regression, regression_variables, _ = trained.load_trained(regression_workdir,
                                                               kind="regression")
    if regression.input_shape != stage.input_shape:
      raise ValueError(f"{regression_workdir} must be a regression workdir on views of shape "
                       f"{stage.input_shape}")
    poses_fn = jax.jit(lambda x: regression.features(regression_variables, x))
  target_fn = jax.jit(stage.targets)
  rows, quartiles, all_errors, files, equivariance = [], {}, {}, {}, {}
  template_data = None
  if os.path.exists(os.path.join(workdir, templates_file.TEMPLATES_FILE)):
    template_data = templates_file.load_templates(workdir)
    if list(template_data["class_names"]) != list(class_names):
      raise ValueError(f"{workdir}/templates.npz is for classes {list(template_data['class_names'])}"
                       f", the dataset has {class_names}: rebuild it")
  guess_rng = np.random.default_rng(seed + 1)  # the random reference's own stream
  for mode in modes:
    spec = examples_lib.ExampleSpec(
        image_size=builder.image_size, bandwidth=builder.bandwidth, channels=builder.channels,
        views_per_mesh=1 + pairs_per_mesh, rotation_mode=mode, up_axis=up_axis, seed=seed)
    rendered = _cached_examples(records, spec, os.path.join(output_dir, "pose_eval_views"),
                                num_workers)
    embeddings, labels, mesh_ids = inference.map_batches(embed_fn, rendered, "image", batch_size,
                                                         f"embedded {mode} views")
    targets, _, _ = inference.map_batches(target_fn, rendered, "sphere", batch_size,
                                          f"Φ features of {mode} maps")
    rotations = np.stack([e["rotation"] for e in rendered]).astype(np.float64)
    if poses_fn is not None:
      poses, _, _ = inference.map_batches(poses_fn, rendered, "image", batch_size,
                                          f"regressed {mode} poses")
    pairs = make_pairs(mesh_ids, labels, pairs_per_mesh, np.random.default_rng(seed))
    index_a, index_b = pairs["IB"]
    equivariance[mode] = {
        name: float(np.median(equivariance_errors(maps[index_a], maps[index_b],
                                                  rotations[index_a], rotations[index_b])))
        for name, maps in (("E", embeddings), ("targets Φ(map)", targets))}
    if template_data is not None:
      rows += absolute_pose_rows(
          embeddings, labels, rotations, template_data, class_names, mode,
          poses if poses_fn is not None else None,
          random_guesses(len(rotations), mode, up_axis, guess_rng, relative=False))
    for task in TASKS:
      index_a, index_b = pairs[task]
      inputs = {METHOD_E: (embeddings, targets if task == "I2M" else embeddings),
                METHOD_GRID: (embeddings, targets if task == "I2M" else embeddings)}
      if task != "I2M":
        inputs[METHOD_ORACLE] = (targets, targets)
        if poses_fn is not None:
          inputs[METHOD_REGRESSION] = (poses, poses)
      inputs[METHOD_RANDOM] = None
      for method, sources in inputs.items():
        if method == METHOD_RANDOM:
          estimates = random_guesses(len(index_a), mode, up_axis, guess_rng)
        elif method == METHOD_REGRESSION:
          estimates = poses[index_b] @ np.swapaxes(poses[index_a], -1, -2)
          confidences = {name: np.full(len(estimates), np.nan) for name in pose.CONFIDENCES}
        else:
          estimates, confidences = estimate(sources[0][index_a], sources[1][index_b], method)
        errors = pose_errors(estimates, rotations[index_a], rotations[index_b],
                             up_axis if fold_symmetry else None)
        all_errors[(method, task, mode)] = errors
        rows += category_rows(errors, labels[index_a], class_names, method, task, mode)
        if method == METHOD_E:
          quartiles[(task, mode)] = {name: confidence_quartiles(errors, values)
                                     for name, values in confidences.items()}
          if task == "IB" and mode == modes[-1]:
            files["examples"] = os.path.join(output_dir, "pose_examples.png")
            plot_examples(records_by_id, rendered, pairs[task], estimates, errors,
                          builder.image_size, files["examples"],
                          f"IB {mode.upper()} pairs, E at step {step}", class_names)
  title = (f"Relative pose, {config.data.name} {split} split, E at step {step} "
           f"({os.path.abspath(workdir)}){', symmetry-folded' if fold_symmetry else ''}")
  base = os.path.join(output_dir, f"pose_{split}")
  table = _write_tables(rows, quartiles, equivariance, base, title)
  files.update(markdown=base + ".md", csv=base + ".csv", json=base + ".json",
               cdf=os.path.join(output_dir, "pose_cdf.png"))
  plot_cdfs(all_errors, files["cdf"], title)
  summary = {"workdir": os.path.abspath(workdir), "step": step, "rows": rows,
             "quartiles": {f"{task} {mode}": parts for (task, mode), parts in quartiles.items()},
             "equivariance": equivariance, "fold_symmetry": fold_symmetry, "seed": seed, "pairs_per_mesh": pairs_per_mesh,
             "files": files}
  with open(files["json"], "w") as f:
    json.dump(summary, f, indent=1)
  print(table, flush=True)
  print("\n".join(f"{name}: {path}" for name, path in files.items()), flush=True)
  return summary


def _row(summary: dict) -> dict:
  return {"median": summary["median"], "acc@15": summary["acc@15"], "acc@30": summary["acc@30"],
          "count": summary["count"]}
