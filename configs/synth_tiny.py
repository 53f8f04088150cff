"""A seconds-long synth run for tests: E of configs/embed_tiny.py (trained first, with its Φ),
then G on its 8 × 8 views. Set data.data_dir, embed.data.data_dir and embed.phi.data.data_dir to a scratch
directory."""

import ml_collections

from configs import embed_tiny
from configs import synth


def get_config() -> ml_collections.ConfigDict:
  config = synth.get_config("laptop")
  config.embed = embed_tiny.get_config()  # E's config, when it is trained here
  config.data = config.embed.data  # E's tiny synthetic views
  config.model.width = 4  # channels of the first spherical convolution
  config.model.max_width = 8  # channel cap
  config.model.code_size = 16  # the code between sphere and image
  config.optimizer = config.embed.optimizer  # constant rate
  config.batch_size = 8  # global batch
  config.eval_batch_size = 8  # global evaluation batch
  config.num_train_steps = 4  # optimizer steps in total
  config.log_every_steps = 1  # a metrics record every step
  config.checkpoint_every_steps = 2  # checkpoints at steps 2 and 4
  config.keep_checkpoints = 2  # both kept
  config.eval_every_steps = 0  # evaluate only at the end
  return config
