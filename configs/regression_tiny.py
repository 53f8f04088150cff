"""A seconds-long regression-baseline run for tests, on the tiny synthetic views of
configs/embed_tiny.py. Set data.data_dir to a scratch directory."""

import ml_collections

from configs import embed_tiny
from configs import regression


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
  config.batch_size = 8  # global batch
  config.eval_batch_size = 8  # global evaluation batch
  config.num_train_steps = 4  # optimizer steps in total
  config.log_every_steps = 1  # a metrics record every step
  config.checkpoint_every_steps = 2  # checkpoints at steps 2 and 4
  config.keep_checkpoints = 2  # both kept
  config.eval_every_steps = 0  # evaluate only at the end
  return config
