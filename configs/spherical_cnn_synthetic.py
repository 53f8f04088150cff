r"""The quickstart: the spherical CNN on the bundled procedural shapes, a few minutes on a CPU.

  python -m experiments.train --config=configs/spherical_cnn_synthetic.py --workdir=/tmp/scnn_synth

8 classes of synthetic meshes (data_pipelines.synthetic: airplane, car, chair, lamp, monitor, mug,
sofa, table), generated and ray cast locally on first use (no files needed), trained and tested under
random SO(3) rotations. Everything else as configs/spherical_cnn.py.
"""

import ml_collections

from configs import spherical_cnn


def get_config() -> ml_collections.ConfigDict:
  config = spherical_cnn.get_config()
  config.num_classes = 8  # the 8 synthetic categories
  config.data.name = "synthetic_shapes"  # procedural meshes, built locally
  config.data.mesh_dir = ""  # none needed
  config.data.builder = ml_collections.ConfigDict()  # options of the TFDS builder config
  config.data.builder.bandwidth = 16  # b: spherical maps are (32, 32, 1), 4x cheaper than b = 32
  config.data.builder.image_size = 32  # rendered views (unused by this stage)
  config.data.builder.channels = ("distance",)  # spherical map channels
  config.data.builder.rotation_mode = "3dof"  # stored examples are uniformly rotated (SO(3))
  config.data.builder.views_per_mesh = 1  # one stored rotation per shape; augmentation adds more
  config.data.builder.train_per_category = 100  # 800 training shapes
  config.data.builder.test_per_category = 25  # 200 test shapes (different seeds)

  config.model.block_features = (16, 32, 32, 64)  # channels of each residual block (2 convs)
  config.model.block_pooling = (1, 2, 1, 2)  # 32x32 -> 32 -> 16 -> 16 -> 8

  config.optimizer.warmup_steps = 50  # linear warm-up steps
  config.num_train_steps = 600  # ~24 epochs of 800 shapes at batch 32
  config.log_every_steps = 25  # console line + metrics.jsonl record every this many steps
  config.checkpoint_every_steps = 200  # orbax checkpoint every this many steps (and at the end)
  config.eval_every_steps = 200  # evaluate on the validation split every this many steps
  return config
