r"""Novel views from single images with a trained synthesis network: strips, GIFs and errors.

  python -m experiments.synthesize --workdir=/tmp/synth
  python -m experiments.synthesize --workdir=/tmp/synth --images=chair.png,photo.jpg --num_meshes=0

For --num_meshes rendered test meshes (in a random pose) and for each image file (PNG/JPEG, any size:
made grayscale and resized to the training views' size), the embedding is rotated along three paths
(a full turn about the vertical axis, a tilt, a random rotation and back) and decoded. Writes, per
object and path, <name>_<path>.png (decoded views; for meshes the true renders in a row beneath) and
<name>_<path>.gif, and synthesis.json with the errors (evaluation/synthesis.py, synthesis_errors) on
--error_meshes held-out meshes. Output goes to --output_dir (default <workdir>/synthesis).
"""

from absl import app
from absl import flags

from experiments.evaluation import synthesis

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


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  synthesis.synthesize(_WORKDIR.value, _IMAGES.value, _NUM_MESHES.value, _ERROR_MESHES.value, _STEPS.value,
             _SEED.value, _OUTPUT_DIR.value)


if __name__ == "__main__":
  app.run(main)
