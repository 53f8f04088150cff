r"""Novel views from single images with a trained synthesis network: strips, GIFs and errors.

  python -m experiments.synthesize --workdir=/tmp/synth
  python -m experiments.synthesize --workdir=/tmp/synth --images=chair.png,photo.jpg --num_meshes=0

For --num_meshes rendered test meshes (in a random pose) and for each image file (PNG/JPEG, any size:
made grayscale and resized to the training views' size), the embedding is rotated along three paths
(a full turn about the vertical axis, a tilt, a random rotation and back) and decoded. Writes, per
object and path, <name>_<path>.png (decoded views; for meshes the true renders in a row beneath) and
<name>_<path>.gif, and synthesis.json with the errors of experiments.synthesis.synthesis_errors on
--error_meshes held-out meshes. Output goes to --output_dir (default <workdir>/synthesis).
"""

import json
import os

import jax
import numpy as np
from absl import app
from absl import flags
from absl import logging

import data_pipelines
from experiments import checkpoints
from experiments import config_io
from experiments import pose_evaluation
from experiments import stages
from experiments import synthesis

_WORKDIR = flags.DEFINE_string("workdir", None, "A synth workdir (experiments.train with "
                               "configs/synth*.py).")
_IMAGES = flags.DEFINE_list("images", [], "Image files (PNG/JPEG) to rotate.")
_NUM_MESHES = flags.DEFINE_integer("num_meshes", 4, "Rendered test meshes to rotate.")
_ERROR_MESHES = flags.DEFINE_integer("error_meshes", 32, "Held-out meshes for the error table "
                                     "(0: none).")
_STEPS = flags.DEFINE_integer("steps", 24, "Rotations per path.")
_SEED = flags.DEFINE_integer("seed", 0, "Seeds the poses and the random rotations.")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Where the figures go (default: "
                                  "<workdir>/synthesis).")
flags.mark_flags_as_required(["workdir"])


def synthesize(workdir, images=(), num_meshes=4, error_meshes=32, steps=24, seed=0,
               output_dir=None) -> dict:
  """Writes the strips, GIFs and synthesis.json; returns {"files": [...], "errors": {...}}."""
  stage = stages.make_stage(config_io.load_config(workdir), workdir)
  if stage.config.stage != "synth":
    raise ValueError(f"{workdir} is a {stage.config.stage!r} workdir; synthesize needs a synth one")
  variables, step = checkpoints.restore_variables(workdir)
  stage.load_embed()
  embed = jax.jit(stage.inputs_of_views)
  decode = jax.jit(lambda maps: stage.features(variables, maps))
  size = stage.image_size
  output_dir = output_dir or os.path.join(workdir, "synthesis")
  os.makedirs(output_dir, exist_ok=True)
  rng = np.random.default_rng(seed)
  records = []
  if num_meshes or error_meshes:
    records, _, _ = pose_evaluation.test_records(stage.config)
    records = [records[i] for i in rng.permutation(len(records))]
  objects = []  # (name, view, mesh or None, pose)
  for record in records[:num_meshes]:
    mesh = record.load()
    pose = data_pipelines.random_rotation(rng, "3dof")
    objects.append((record.mesh_id, data_pipelines.render_view(mesh, size, rotation=pose), mesh,
                    pose))
  for path in images:
    objects.append((path, synthesis.read_image(path, size), None, None))
  files = []
  for name, view, mesh, pose in objects:
    for path_name in synthesis.PATHS:
      rotations = synthesis.rotation_path(path_name, steps, rng)
      decoded = synthesis.novel_views(embed, decode, view[None], rotations)[0]
      rows, titles = [decoded], [f"G(R·E(view)), {path_name}"]
      if mesh is not None:
        rows.append(np.stack([data_pipelines.render_view(mesh, size, rotation=r @ pose)
                              for r in rotations]))
        titles.append("render of R·M")
      stem = os.path.join(output_dir, f"{synthesis.output_name(name)}_{path_name}")
      synthesis.write_strip(stem + ".png", rows, titles)
      synthesis.write_gif(stem + ".gif", rows)
      files += [stem + ".png", stem + ".gif"]
    logging.info("synthesised %s", name)
  errors = None
  if error_meshes:
    chosen = records[num_meshes:num_meshes + error_meshes] or records[:error_meshes]
    meshes = [record.load() for record in chosen]
    poses = np.stack([data_pipelines.random_rotation(rng, "3dof") for _ in meshes])
    errors = synthesis.synthesis_errors(embed, decode, meshes, poses, size, rng)
    print("synthesis errors on {count} (view, rotation) pairs of held-out meshes:".format(**errors))
    for key in ("rotated", "unrotated", "input_view", "reconstruction"):
      print(f"  {key:>15}: L1 {errors[key]['l1']:.4f}  PSNR {errors[key]['psnr']:.2f} dB")
  summary = {"workdir": os.path.abspath(workdir), "step": step, "files": files, "errors": errors}
  with open(os.path.join(output_dir, "synthesis.json"), "w") as f:
    json.dump(summary, f, indent=1)
  print(f"{len(files)} files in {output_dir}", flush=True)
  return summary


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  synthesize(_WORKDIR.value, _IMAGES.value, _NUM_MESHES.value, _ERROR_MESHES.value, _STEPS.value,
             _SEED.value, _OUTPUT_DIR.value)


if __name__ == "__main__":
  app.run(main)
