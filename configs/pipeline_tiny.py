"""A minute-long chain for tests: the tiny stages of configs/*_tiny.py on 8 × 8 views of 8 synthetic
shapes. Set data.data_dir to a scratch directory."""

import ml_collections

from configs import embed_tiny
from configs import pipeline
from configs import regression_tiny
from configs import spherical_cnn_tiny
from configs import synth_tiny


def get_config() -> ml_collections.ConfigDict:
  config = pipeline.get_config("synthetic")
  config.data = embed_tiny.get_config().data  # 8 × 8 views, b = 8, airplanes and mugs, 8 + 4 shapes
  config.spherical_cnn = spherical_cnn_tiny.get_config()  # Φ: 4 steps
  config.embed = embed_tiny.get_config()  # E: 4 steps
  config.synth = synth_tiny.get_config()  # G: 4 steps
  config.regression = regression_tiny.get_config()  # the baseline: 4 steps
  pipeline.link_stages(config)
  config.evaluation.max_meshes_per_category = 0  # all 4 test shapes
  config.evaluation.template_meshes_per_category = 0  # all 8 training shapes
  config.synthesis.num_meshes = 1  # one strip and GIF per path
  config.synthesis.error_meshes = 2  # novel-view errors on 2 shapes
  config.synthesis.steps = 3  # frames per rotation path
  config.expected_seconds.update(  # measured on a 2-core CPU
      dataset=1, spherical_cnn=16, embed=19, synth=18, regression=14, templates=5,
      evaluate_pose=20, synthesize=10)
  return config
