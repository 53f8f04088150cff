r"""E on the bundled procedural shapes: minutes on a CPU, no files needed.

  python -m experiments.train --config=configs/embed_synthetic.py --workdir=/tmp/embed_synth
  python -m experiments.train --config=configs/embed_synthetic.py:encoder_decoder ...   # the older E

Trains the spherical CNN of configs/spherical_cnn_synthetic.py first (in <workdir>/spherical_cnn),
then E on 32 × 32 views of the same 8 synthetic classes, regressing Φ's block_2 maps (16, 16, 32).
Everything else as configs/embed.py (laptop size).
"""

import ml_collections

from configs import embed
from configs import spherical_cnn_synthetic


def get_config(architecture: str = "lifted") -> ml_collections.ConfigDict:
  """architecture: E's, one of embed.ARCHITECTURES (configs/embed_synthetic.py:encoder_decoder)."""
  config = embed.get_config(f"laptop,{architecture}")
  config.phi = spherical_cnn_synthetic.get_config()  # Φ's config, when it is trained here
  config.target_layer = "block_2"  # (16, 16, 32) at b = 16
  config.data.name = "synthetic_shapes"  # procedural meshes, built locally
  config.data.mesh_dir = ""  # none needed
  config.data.test_split = "test"  # evaluated once, after the last step
  config.data.builder = ml_collections.ConfigDict()  # options of the TFDS builder config
  config.data.builder.bandwidth = 16  # b of the maps Φ reads: (32, 32, 1)
  config.data.builder.image_size = 32  # S: views are (32, 32, 1)
  config.data.builder.channels = config.phi.data.builder.channels  # must be those Φ reads
  config.data.builder.rotation_mode = "3dof"  # views of uniformly rotated meshes (SO(3))
  config.data.builder.views_per_mesh = 8  # rotations per shape
  config.data.builder.train_per_category = 100  # 800 training shapes (as Φ's)
  config.data.builder.test_per_category = 25  # 200 test shapes
  config.num_train_steps = 6000  # optimizer steps in total (192,000 views seen)
  config.optimizer.warmup_steps = 200  # linear warm-up steps
  config.log_every_steps = 50  # console line + metrics.jsonl record every this many steps
  config.eval_every_steps = 500  # validation loss and pose error every this many steps
  config.checkpoint_every_steps = 500  # orbax checkpoint every this many steps (and at the end)
  return config
