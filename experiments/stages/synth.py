"""The synth stage: decode spherical embeddings back into views (G: docs/conventions.md, 'Models'
and 'Training stages').

G (`nn.SynthesisNet`) learns G(m) ≈ view with an L1 loss, where m is the frozen embedding network
E's prediction E(view) (`config.source = "embedding"`, the paper's choice) or Φ's normalised target
of the same example (`"targets"`). E's variables are constants of the step. A novel view of the
object under a rotation R is then G(R·E(view)).

E comes from `config.embed_workdir`; when that is empty the trainer first trains `config.embed` in
`<workdir>/embed` (which trains its own Φ first when it names none), or reuses it when complete.
"""

import jax
import jax.numpy as jnp
import numpy as np

from equivariant_embeddings.nn import SynthesisNet
from experiments.workdir import checkpoints
from experiments.workdir import config_io
from experiments.workdir import metrics as metrics_lib
from experiments.stages import datasets
from experiments.stages import dependencies
from experiments.stages import models
from experiments.stages.embed import EmbedStage

EMBED_SUBDIR = "embed"
IMAGE = "image"
SOURCES = ("embedding", "targets")
SHEET_VIEWS = 4  # rows of the evaluation image


def embed_workdir(config, workdir: str | None) -> str:
  """The E workdir of a synth config: config.embed_workdir, else <workdir>/embed."""
  return dependencies.dependency_workdir(config, "embed_workdir", workdir, EMBED_SUBDIR, "E")


class SynthStage:
  """L1 regression of `image` (batch, S, S, 1) from E(image) (or Φ's target from `sphere`)."""

  batch_keys = ("image", "sphere")
  feature_names = (IMAGE,)

  def __init__(self, config, workdir: str | None = None):
    if config.source not in SOURCES:
      raise ValueError(f"config.source must be one of {SOURCES}, got {config.source!r}")
    self.config = config
    self.workdir = workdir
    self.embed = EmbedStage(*dependencies.dependency_config(
        config, "embed_workdir", workdir, EMBED_SUBDIR, "E", config.embed))
    self.input_shape = tuple(self.embed.model_shape)
    self.image_size = self.embed.input_shape[0]
    self.model = SynthesisNet(image_size=self.image_size, **config.model)
    self._embed_variables = None
    self._sheet_batch = None  # the first validation examples, for evaluation_images
    self._decode_fn = jax.jit(lambda variables, batch: self.features(variables, self.inputs(batch)))

  def prerequisites(self) -> list:
    """[(E's config, its workdir)] when config.embed_workdir is empty (E is trained there first)."""
    if self.config.embed_workdir:
      return []
    return [(self.config.embed, embed_workdir(self.config, self.workdir))]

  def load_embed(self) -> None:
    """Loads E's latest checkpoint (and Φ, for source "targets")."""
    directory = embed_workdir(self.config, self.workdir)
    self.use_embed(EmbedStage(config_io.load_config(directory), directory),
                   checkpoints.restore_variables(directory)[0])
    if self.config.source == "targets":
      self.embed.load_phi()

  def use_embed(self, embed_stage, variables) -> None:
    """Uses a given E (stage and variables), e.g. a freshly initialised one in benchmarks."""
    self.embed = embed_stage
    self._embed_variables = variables

  def inputs(self, batch):
    """What G decodes for a batch: E(image), or Φ's normalised target of the sphere."""
    if self.config.source == "targets":
      return self.embed.targets(batch["sphere"])
    return self.inputs_of_views(batch["image"])

  def inputs_of_views(self, views):
    """E(views) (batch, 2b, 2b, C) of views (batch, S, S, 1), after `load_embed`: what G decodes
    at inference, whatever it was trained from."""
    return self.embed.features(self._embed_variables, views)

  def open_datasets(self) -> dict:
    """The configured splits (E's views), and E itself."""
    data = self.config.data
    builder = data.builder
    if builder.image_size != self.image_size:
      raise ValueError(f"config.data has {builder.image_size}-pixel views, E reads "
                       f"{self.image_size}")
    sources = datasets.open_roles(data, (2 * builder.bandwidth, 2 * builder.bandwidth,
                                         len(builder.channels)))
    self.load_embed()
    examples = [sources["eval"][i] for i in range(min(SHEET_VIEWS, len(sources["eval"])))]
    self._sheet_batch = {k: np.stack([e[k] for e in examples]) for k in self.batch_keys}
    return sources

  def init_variables(self, rng):
    return self.model.init(rng, jnp.zeros((1,) + self.input_shape, jnp.float32), train=False)

  def warm_start_variables(self):
    return None  # always starts from init_variables

  def per_example_losses(self, variables, batch, rng, train: bool, step=None):
    """Mean absolute pixel error and PSNR (dB, images in [0, 1]) per example."""
    del rng, step  # no stochastic layers; the loss is the same at every step
    maps = jax.lax.stop_gradient(self.inputs(batch))
    views, new_model_state = models.apply_model(self.model, variables, maps, train)
    l1 = jnp.mean(jnp.abs(views - batch["image"]), axis=(1, 2, 3))
    mse = jnp.mean((views - batch["image"]) ** 2, axis=(1, 2, 3))
    psnr = -10.0 * jnp.log10(jnp.maximum(mse, 1e-10))
    return l1, {"psnr": psnr}, new_model_state

  def features(self, variables, maps, layer: str = IMAGE):
    """G's views (batch, S, S, 1) of spherical maps (batch, 2b, 2b, C), inference mode."""
    if layer != IMAGE:
      raise ValueError(f"the synthesis network has one output, {IMAGE!r}; got {layer!r}")
    return self.model.apply(variables, maps, train=False)

  def evaluation_metrics(self, variables) -> dict:
    del variables  # L1 and PSNR are per-example averages already
    return {}

  def evaluation_images(self, variables) -> dict:
    """{"decoded": the first validation views, a row each, beside G's decoding of them (of E(view)
    or of Φ's target, as in training)}."""
    decoded = np.asarray(self._decode_fn(variables, self._sheet_batch))
    return {"decoded": metrics_lib.image_sheet(
        [[view, out] for view, out in zip(self._sheet_batch["image"], decoded)])}
