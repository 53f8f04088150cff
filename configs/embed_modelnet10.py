r"""E on all ten ModelNet10 classes in 3DOF: the long CPU run and the ten-class absolute-pose table.

  python -m experiments.train --config=configs/embed_modelnet10.py --workdir=/tmp/embed10 \
      --config.phi_workdir=/tmp/scnn
  python -m experiments.evaluate_pose --workdir=/tmp/embed10 --fold_symmetry   # the table

configs/embed.py (laptop size unless "paper" is given) with three changes: every class, not the
paper's four pose classes; the views of Φ's own dataset (configs/spherical_cnn.py: half the
training views of meshes without their largest faces, validation and test views intact), so that
the dataset Φ was trained on is reused and not built again; and in-plane turns of every view
(2b training pairs per view), since 8 views per mesh cover SO(3) thinly.
"""

import ml_collections

from configs import embed


def get_config(arg: str = "laptop") -> ml_collections.ConfigDict:
  """arg: "<size>" or "<size>,<architecture>" as configs/embed.py."""
  config = embed.get_config(arg)
  config.data.builder.categories = None  # all ten classes (None: the builder's whole list)
  config.data.builder.surface_dropout = config.phi.data.builder.surface_dropout  # Φ's dataset
  config.view_augmentation = "in_plane_turns"  # about the camera axis by k·360°/2b (3DOF)
  if not arg.startswith("paper"):  # the paper size keeps configs/embed.py's 200k steps and intervals
    config.num_train_steps = 36_000  # ~2 h on 2 CPU cores at laptop size (1.15M views seen)
    config.pose_eval_pairs = 128  # validation pairs per evaluation: less noise than 64
    config.eval_every_steps = 2000  # validation loss and pose error every this many steps
    config.checkpoint_every_steps = 2000  # orbax checkpoint every this many steps (and at the end)
  return config
