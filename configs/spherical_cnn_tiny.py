"""A seconds-long spherical CNN run for tests: 2 synthetic classes, b = 8, a two-block model.

Set data.data_dir to a scratch directory (the tiny dataset is built there on first use, ~2 s).
Everything else as configs/spherical_cnn_synthetic.py.
"""

import ml_collections

from configs import spherical_cnn_synthetic
from configs import tiny


def get_config() -> ml_collections.ConfigDict:
  config = spherical_cnn_synthetic.get_config()
  config.num_classes = 2  # airplanes and mugs
  config.data.num_workers = 1  # build the dataset in-process (no worker start-up)
  config.data.builder.bandwidth = 8  # b: spherical maps are (16, 16, 1)
  config.data.builder.image_size = 8  # rendered views (unused by this stage); small = fast build
  config.data.builder.categories = ("airplane", "mug")  # two classes
  config.data.builder.train_per_category = 4  # 8 training shapes
  config.data.builder.test_per_category = 2  # 4 test shapes
  config.data.eval_split = "test"  # 8 training shapes: the validation split may well be empty
  config.data.test_split = ""  # the eval split is the test split already

  config.model.block_features = (4, 8)  # channels of each residual block
  config.model.block_pooling = (1, 2)  # 16x16 -> 16x16 -> 8x8
  config.model.num_anchors = 3  # filter anchor values per channel pair

  config.optimizer.learning_rate = 1e-2  # peak learning rate of Adam
  config.optimizer.schedule = "constant"  # no warm-up or decay in 4 steps
  config.optimizer.grad_clip_norm = 0.0  # no clipping

  tiny.four_steps(config)  # 4 steps on batches of 8, checkpoints at 2 and 4
  return config
