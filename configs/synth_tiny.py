"""A seconds-long synth run for tests: E of configs/embed_tiny.py (trained first, with its Φ),
then G on its 8 × 8 views. Set data.data_dir, embed.data.data_dir and embed.phi.data.data_dir to a scratch
directory."""

import ml_collections

from configs import embed_tiny
from configs import synth
from configs import tiny


def get_config() -> ml_collections.ConfigDict:
  config = synth.get_config("laptop")
  config.embed = embed_tiny.get_config()  # E's config, when it is trained here
  config.data = config.embed.data  # E's tiny synthetic views
  config.model.width = 4  # channels of the first spherical convolution
  config.model.max_width = 8  # channel cap
  config.model.code_size = 16  # the code between sphere and image
  config.optimizer = config.embed.optimizer  # constant rate
  tiny.four_steps(config)  # 4 steps on batches of 8, checkpoints at 2 and 4
  return config
