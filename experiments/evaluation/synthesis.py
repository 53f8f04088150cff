"""Novel views from one image: G(R·E(view)) along rotation paths (the library of
experiments.synthesize).

For each input view, the embedding E(view) is rotated exactly (`sphere.rotate_spherical`, on its
band-limited part) by each rotation of a path and decoded by G. Paths: a full turn about the image's
vertical axis, a tilt about its horizontal axis, and a geodesic to a random rotation and back. The
rotations act in the camera frame (x right, y up, z toward the camera), so R·E(view) is the
embedding of the object as posed in the view, then rotated by R: its ground truth is the render of
the mesh under R·R_view.

`synthesis_errors` measures, on held-out meshes and random R, the L1 and PSNR of G(R·E(view))
against the render of R·M, beside two references in the same run: G(E(view)) unrotated, and the
input view itself. If rotating the embedding carries 3D information, the first beats both.
"""

import json
import os

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
from absl import logging
from PIL import Image

import data_pipelines
from equivariant_embeddings import sphere
from experiments.stages import datasets
from experiments.stages import trained

matplotlib.use("Agg")  # headless: write files, never open windows
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top

RESULTS_FILE = "synthesis.json"  # written last: its presence means the output is complete
PATHS = ("turn", "tilt", "random")


def _axis_rotation(axis: str, angle: float) -> np.ndarray:
  c, s = np.cos(angle), np.sin(angle)
  if axis == "x":
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
  return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])  # "y"


def rotation_path(name: str, steps: int, rng: np.random.Generator) -> np.ndarray:
  """Rotations (steps, 3, 3) float64 of a path in the camera frame, starting at the identity.

  "turn": about the image's vertical (y) axis through 360°; "tilt": about its horizontal (x) axis,
  0 → 60° → −60° → 0; "random": along the geodesic to a uniformly random rotation and back.
  """
  t = np.arange(steps) / steps
  if name == "turn":
    return np.stack([_axis_rotation("y", 2 * np.pi * u) for u in t])
  if name == "tilt":
    return np.stack([_axis_rotation("x", np.radians(60) * np.sin(2 * np.pi * u)) for u in t])
  if name == "random":
    target = data_pipelines.random_rotation(rng, "3dof")
    axis_angle = np.asarray(sphere.matrix_to_axis_angle(jnp.asarray(target)), np.float64)
    weights = np.sin(np.pi * t)  # out and back
    return np.asarray(sphere.axis_angle_to_matrix(jnp.asarray(weights[:, None] * axis_angle)),
                      np.float64)
  raise ValueError(f"path must be one of {PATHS}, got {name!r}")


def novel_views(embed, decode, views, rotations):
  """G(R·E(view)) for every view and rotation.

  Args:
    embed: views (N, S, S, 1) -> embeddings (N, 2b, 2b, C).
    decode: embeddings (M, 2b, 2b, C) -> views (M, S, S, 1).
    views: (N, S, S, 1) float32 in [0, 1].
    rotations: (T, 3, 3).

  Returns:
    (N, T, S, S, 1) decoded views.
  """
  embeddings = embed(views)
  rotated = sphere.rotate_spherical(embeddings[:, None], jnp.asarray(rotations, jnp.float32))
  n, t = rotated.shape[:2]
  decoded = decode(rotated.reshape((n * t,) + rotated.shape[2:]))
  return np.asarray(decoded).reshape((n, t) + decoded.shape[1:])


def read_image(path: str, image_size: int) -> np.ndarray:
  """A user's image file (PNG, JPEG, any size) as a view: grayscale, resized to (S, S, 1), in [0, 1].

  The training views are objects on a black background; a photo should be cropped to the object.
  """
  try:
    with Image.open(path) as image:
      image = image.convert("L").resize((image_size, image_size), Image.Resampling.LANCZOS)
      return (np.asarray(image, np.float32) / 255.0)[..., None]
  except (OSError, ValueError) as error:
    raise ValueError(f"cannot read {path} as an image: {error}") from None


def write_strip(path: str, rows, titles) -> None:
  """A PNG of rows of views (each (T, S, S, 1)), one row per entry, with a title per row."""
  rows = [np.asarray(row) for row in rows]
  steps = rows[0].shape[0]
  fig, axes = plt.subplots(len(rows), steps, figsize=(0.9 * steps + 0.6, 1.0 * len(rows) + 0.3),
                           squeeze=False)
  for r, (row, title) in enumerate(zip(rows, titles)):
    for c in range(steps):
      axes[r, c].imshow(row[c, ..., 0], cmap="gray", vmin=0, vmax=1)
      axes[r, c].axis("off")
    axes[r, 0].set_title(title, fontsize=7, loc="left")
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)


def write_gif(path: str, rows, scale: int = 2) -> None:
  """An animated GIF whose frame t shows every row's view t side by side (upscaled by scale)."""
  rows = [np.asarray(row) for row in rows]
  frames = []
  for t in range(rows[0].shape[0]):
    frame = np.concatenate([row[t, ..., 0] for row in rows], axis=1)
    frame = np.kron(np.clip(frame, 0, 1), np.ones((scale, scale)))
    frames.append(Image.fromarray((frame * 255).astype(np.uint8)))
  frames[0].save(path, save_all=True, append_images=frames[1:], duration=80, loop=0)


def psnr(a, b) -> np.ndarray:
  """PSNR in dB of views in [0, 1], per view over the trailing (S, S, 1) axes."""
  mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2, axis=(-3, -2, -1))
  return -10 * np.log10(np.maximum(mse, 1e-10))


def synthesis_errors(embed, decode, meshes, rotations_of_views, image_size: int,
                     rng: np.random.Generator, rotations_per_view: int = 4) -> dict:
  """L1 and PSNR of novel views against renders, beside the references (see module docstring).

  Args:
    embed, decode: as for `novel_views`.
    meshes: normalised meshes (trimesh), one view each.
    rotations_of_views: (N, 3, 3) the pose R_v of each mesh in its input view.
    image_size: S.
    rng: draws the random rotations R.
    rotations_per_view: random R per view.

  Returns:
    {"rotated": {"l1", "psnr"}, "unrotated": {...}, "input_view": {...}, "reconstruction": {...}},
    means over all (view, R) pairs; "reconstruction" compares G(E(view)) with the view itself.
  """
  views = np.stack([data_pipelines.render_view(mesh, image_size, rotation=r)
                    for mesh, r in zip(meshes, rotations_of_views)])
  rotations = np.stack([[data_pipelines.random_rotation(rng, "3dof")
                         for _ in range(rotations_per_view)] for _ in meshes])
  identity = np.eye(3)[None]
  rotated = np.stack([novel_views(embed, decode, views[i:i + 1], rotations[i])[0]
                      for i in range(len(meshes))])
  unrotated = novel_views(embed, decode, views, identity)[:, 0]
  truth = np.stack([[data_pipelines.render_view(mesh, image_size, rotation=r @ pose)
                     for r in rotations[i]]
                    for i, (mesh, pose) in enumerate(zip(meshes, rotations_of_views))])
  measure = lambda a, b: {"l1": float(np.mean(np.abs(a - b))), "psnr": float(np.mean(psnr(a, b)))}
  return {
      "rotated": measure(rotated, truth),
      "unrotated": measure(np.broadcast_to(unrotated[:, None], truth.shape), truth),
      "input_view": measure(np.broadcast_to(views[:, None], truth.shape), truth),
      "reconstruction": measure(unrotated, views),
      "count": int(truth.shape[0] * truth.shape[1]),
  }


def output_name(name: str) -> str:
  """A file-name stem for an object name (mesh id or image path)."""
  stem = os.path.splitext(os.path.basename(name))[0] if os.path.isfile(name) else name
  return "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)


def synthesize(workdir, images=(), num_meshes=4, error_meshes=32, steps=24, seed=0,
               output_dir=None) -> dict:
  """Writes the strips, GIFs and synthesis.json; returns {"files": [...], "errors": {...}}.

  num_meshes and error_meshes (>= 0) are counts of test meshes, steps (>= 1) the rotations per path.
  """
  for name, value, minimum in (("num_meshes", num_meshes, 0), ("error_meshes", error_meshes, 0),
                               ("steps", steps, 1)):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
      raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
  stage, variables, step = trained.load_trained(workdir, kind="synth", with_inputs=True)
  embed = jax.jit(stage.inputs_of_views)
  decode = jax.jit(lambda maps: stage.features(variables, maps))
  size = stage.image_size
  output_dir = output_dir or os.path.join(workdir, "synthesis")
  os.makedirs(output_dir, exist_ok=True)
  rng = np.random.default_rng(seed)
  records = []
  if num_meshes or error_meshes:
    records, _, _ = datasets.mesh_records(stage.config.data, "test")
    records = [records[i] for i in rng.permutation(len(records))]
  objects = []  # (name, view, mesh or None, pose)
  for record in records[:num_meshes]:
    mesh = record.load()
    pose = data_pipelines.random_rotation(rng, "3dof")
    objects.append((record.mesh_id, data_pipelines.render_view(mesh, size, rotation=pose), mesh,
                    pose))
  for path in images:
    objects.append((path, read_image(path, size), None, None))
  files = []
  for name, view, mesh, pose in objects:
    for path_name in PATHS:
      rotations = rotation_path(path_name, steps, rng)
      decoded = novel_views(embed, decode, view[None], rotations)[0]
      rows, titles = [decoded], [f"G(R·E(view)), {path_name}"]
      if mesh is not None:
        rows.append(np.stack([data_pipelines.render_view(mesh, size, rotation=r @ pose)
                              for r in rotations]))
        titles.append("render of R·M")
      stem = os.path.join(output_dir, f"{output_name(name)}_{path_name}")
      write_strip(stem + ".png", rows, titles)
      write_gif(stem + ".gif", rows)
      files += [stem + ".png", stem + ".gif"]
    logging.info("synthesised %s", name)
  errors = None
  if error_meshes:
    chosen = records[num_meshes:num_meshes + error_meshes] or records[:error_meshes]
    meshes = [record.load() for record in chosen]
    poses = np.stack([data_pipelines.random_rotation(rng, "3dof") for _ in meshes])
    errors = synthesis_errors(embed, decode, meshes, poses, size, rng)
    print("synthesis errors on {count} (view, rotation) pairs of held-out meshes:".format(**errors))
    for key in ("rotated", "unrotated", "input_view", "reconstruction"):
      print(f"  {key:>15}: L1 {errors[key]['l1']:.4f}  PSNR {errors[key]['psnr']:.2f} dB")
  summary = {"workdir": os.path.abspath(workdir), "step": step, "files": files, "errors": errors}
  with open(os.path.join(output_dir, RESULTS_FILE), "w") as f:
    json.dump(summary, f, indent=1)
  print(f"{len(files)} files in {output_dir}", flush=True)
  return summary
