r"""The pose-regression baseline on ModelNet10 (bed, chair, sofa, toilet): a view → its rotation.

  python -m experiments.train --config=configs/regression.py --workdir=/tmp/regression
  python -m experiments.train --config=configs/regression.py:paper --workdir=/tmp/regression_gpu
  # 2DOF, then 3DOF warm-started from it (the paper's schedule):
  python -m experiments.train --config=configs/regression.py --workdir=/tmp/regression_2dof \
      --config.data.builder.rotation_mode=2dof
  python -m experiments.train --config=configs/regression.py --workdir=/tmp/regression_3dof \
      --config.init_from=/tmp/regression_2dof

The same views as configs/embed.py (same dataset options, so the same built dataset) and E's image
encoder at the same size; see experiments/stages/regression.py.
"""

import ml_collections

from configs import embed


def get_config(size: str = "laptop") -> ml_collections.ConfigDict:
  source = embed.get_config(size)
  sizes = embed.encoder_decoder_model(size)  # the encoder-decoder E's sizes
  paper = size == "paper"
  config = ml_collections.ConfigDict()
  config.stage = "regression"  # experiments.stages name: regress the rotation of a view
  config.seed = 0  # initialisation and shuffling derive from it
  config.multihost = False  # call jax.distributed.initialize() first (multi-host TPU/GPU)
  config.init_from = ""  # a regression workdir whose variables start this run ("": random init)
  config.view_augmentation = "none"  # "quarter_turns": views turned about the camera axis, the
  # rotation label with them (3DOF only)
  config.rmse_steps = 2000 if not paper else 20_000  # RMSE of axis-angle vectors, then geodesic
  config.data = source.data  # the embed config's views: same dataset, same splits

  config.model = ml_collections.ConfigDict()  # PoseRegressor(**config.model)
  config.model.width = sizes.width  # as the encoder-decoder E's: channels of the stem
  config.model.max_width = sizes.max_width  # as the encoder-decoder E's: channel cap
  config.model.code_size = sizes.code_size  # as the encoder-decoder E's: the code the head reads
  config.model.blocks_per_stage = sizes.blocks_per_stage  # as the encoder-decoder E's: blocks per size
  config.model.activation = "relu"  # nonlinearity (equivariant_embeddings.nn.activations)
  config.model.head_features = (1000, 500) if paper else (256, 128)  # hidden dense layers

  config.optimizer = source.optimizer  # Adam, warm-up and cosine decay as E's
  config.batch_size = source.batch_size  # global batch (a multiple of the device count)
  config.eval_batch_size = source.eval_batch_size  # global evaluation batch
  config.num_train_steps = source.num_train_steps  # as E's, so both see as many images
  config.log_every_steps = source.log_every_steps  # console line + metrics.jsonl record
  config.checkpoint_every_steps = source.checkpoint_every_steps  # orbax checkpoint interval
  config.keep_checkpoints = source.keep_checkpoints  # the last this many checkpoints are kept
  config.eval_every_steps = source.eval_every_steps  # validation angle error (0: only at the end)
  return config
