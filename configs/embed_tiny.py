"""A seconds-long embed run for tests: Φ of configs/spherical_cnn_tiny.py (trained first, 4 steps),
8 × 8 views, E regressing Φ's block_1 maps (8, 8, 8). Set data.data_dir and phi.data.data_dir to a
scratch directory."""

import ml_collections

from configs import embed
from configs import spherical_cnn_tiny
from configs import tiny


def get_config() -> ml_collections.ConfigDict:
  config = embed.get_config("laptop")
  config.phi = spherical_cnn_tiny.get_config()  # Φ's config, when it is trained here
  config.target_layer = "block_1"  # (8, 8, 8) at b = 8
  config.target_statistics_examples = 16  # training examples that set the normalisation
  config.pose_eval_pairs = 4  # validation pairs of the pose metric
  config.data.name = "synthetic_shapes"  # procedural meshes, built locally
  config.data.mesh_dir = ""  # none needed
  config.data.num_workers = 1  # build the dataset in-process (no worker start-up)
  config.data.eval_split = "test"  # 8 training shapes: the validation split may well be empty
  config.data.test_split = ""  # the eval split is the test split already
  config.data.builder = ml_collections.ConfigDict()  # options of the TFDS builder config
  config.data.builder.bandwidth = 8  # b of the maps Φ reads: (16, 16, 1)
  config.data.builder.image_size = 8  # S: views are (8, 8, 1)
  config.data.builder.channels = config.phi.data.builder.channels  # must be those Φ reads
  config.data.builder.categories = ("airplane", "mug")  # Φ's two classes
  config.data.builder.views_per_mesh = 2  # two views per shape: pairs for the pose metric
  config.data.builder.train_per_category = 4  # 8 training shapes
  config.data.builder.test_per_category = 2  # 4 test shapes
  config.model.width = 4  # image CNN channels at S/2
  config.model.code_size = 16  # the global code
  config.model.sphere_width = 8  # channels on the target grid
  config.model.sphere_blocks = 1  # one residual block on the target grid
  config.optimizer.schedule = "constant"  # no warm-up or decay in 4 steps
  tiny.four_steps(config)  # 4 steps on batches of 8, checkpoints at 2 and 4
  return config
