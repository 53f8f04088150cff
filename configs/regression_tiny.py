"""A seconds-long regression-baseline run for tests, on the tiny synthetic views of
configs/embed_tiny.py. Set data.data_dir to a scratch directory."""

import ml_collections

from configs import embed_tiny
from configs import regression
from configs import tiny


def get_config() -> ml_collections.ConfigDict:
  config = regression.get_config("laptop")
  source = embed_tiny.get_config()
  config.data = source.data  # 8 × 8 views of 8 synthetic training shapes
  config.rmse_steps = 2  # RMSE for steps 0-1, geodesic after
  config.model.width = 4  # channels of the stem
  config.model.max_width = 8  # channel cap
  config.model.code_size = 16  # the code the head reads
  config.model.head_features = (8,)  # one hidden layer
  config.optimizer = source.optimizer  # constant rate
  tiny.four_steps(config)  # 4 steps on batches of 8, checkpoints at 2 and 4
  return config
