r"""The synthesis network G on ModelNet10 (bed, chair, sofa, toilet): E's embeddings → views.

  python -m experiments.train --config=configs/synth.py --workdir=/tmp/synth
  python -m experiments.train --config=configs/synth.py --workdir=/tmp/synth \
      --config.embed_workdir=/tmp/embed          # reuse a trained E
  python -m experiments.train --config=configs/synth.py:paper --workdir=/tmp/synth_gpu

With no E named it first trains configs/embed.py (the same size) in <workdir>/embed, which itself
first trains Φ; both are reused when complete. The synthesis layer is E's target layer
(config.embed.target_layer): an earlier, more detailed block of Φ needs its own E.
"""

import ml_collections

from configs import embed


def get_config(size: str = "laptop") -> ml_collections.ConfigDict:
  source = embed.get_config(size)
  sizes = embed.encoder_decoder_model(size)  # the encoder-decoder E's sizes
  paper = size == "paper"
  config = ml_collections.ConfigDict()
  config.stage = "synth"  # experiments.stages name: decode spherical embeddings into views
  config.seed = 0  # initialisation and shuffling derive from it
  config.multihost = False  # call jax.distributed.initialize() first (multi-host TPU/GPU)
  config.embed_workdir = ""  # a trained E's workdir; "": train config.embed in <workdir>/embed
  config.embed = source  # E's config, when it is trained here (its data are G's data too)
  config.source = "embedding"  # G decodes E(view) ("embedding", the paper's) or Φ's "targets"
  config.data = source.data  # views (and maps) G learns from: E's dataset

  config.model = ml_collections.ConfigDict()  # SynthesisNet(image_size from E, **config.model)
  config.model.width = sizes.width  # channels of the first spherical convolution
  config.model.max_width = sizes.max_width  # channel cap
  config.model.code_size = sizes.code_size  # the 1x1 code between sphere and image
  config.model.blocks_per_stage = sizes.blocks_per_stage  # residual blocks per grid size
  config.model.activation = "relu"  # nonlinearity (equivariant_embeddings.nn.activations)

  config.optimizer = source.optimizer  # Adam, warm-up and cosine decay as E's
  config.batch_size = source.batch_size  # global batch (a multiple of the device count)
  config.eval_batch_size = source.eval_batch_size  # global evaluation batch
  config.num_train_steps = 100_000 if paper else 10_000  # optimizer steps in total
  config.log_every_steps = source.log_every_steps  # console line + metrics.jsonl record
  config.checkpoint_every_steps = source.checkpoint_every_steps  # orbax checkpoint interval
  config.keep_checkpoints = source.keep_checkpoints  # the last this many checkpoints are kept
  config.eval_every_steps = source.eval_every_steps  # validation L1 and PSNR (0: only at the end)
  return config
