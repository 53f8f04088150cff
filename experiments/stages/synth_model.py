"""The synthesis network G for inference, with the E whose embeddings it decodes: the model side of
the synth stage (docs/conventions.md, 'Models').

G (`nn.SynthesisNet`) decodes spherical maps into views: G(E(view)) ≈ view, and a novel view of the
object under a rotation R is G(R·E(view)). E comes from `config.embed_workdir`, else
`<workdir>/embed`.
"""

import jax.numpy as jnp

from equivariant_embeddings.nn import SynthesisNet
from experiments.stages import dependencies
from experiments.stages.embed_model import EmbedModel

EMBED_SUBDIR = "embed"
IMAGE = "image"
SOURCES = ("embedding", "targets")


def embed_workdir(config, workdir: str | None) -> str:
  """The E workdir of a synth config: config.embed_workdir, else <workdir>/embed."""
  return dependencies.dependency_workdir(config, "embed_workdir", workdir, EMBED_SUBDIR, "E")


class SynthModel:
  """G on spherical maps (batch, 2b, 2b, C) → views `image` (batch, S, S, 1), and E once loaded
  (`load_inputs`, what `stages.trained.load_trained(..., with_inputs=True)` calls, or
  `use_embed`)."""

  feature_names = (IMAGE,)
  depends_on = dependencies.Dependency("embed_workdir", "embed", EMBED_SUBDIR)

  def __init__(self, config, workdir: str | None = None):
    if config.source not in SOURCES:
      raise ValueError(f"config.source must be one of {SOURCES}, got {config.source!r}")
    self.config = config
    self.workdir = workdir
    self.embed = EmbedModel(*dependencies.dependency_config(
        config, "embed_workdir", workdir, EMBED_SUBDIR, "E", config.embed))
    self.input_shape = tuple(self.embed.model_shape)
    self.image_size = self.embed.input_shape[0]
    self.model = SynthesisNet(image_size=self.image_size, **config.model)
    self._embed_variables = None

  def init_variables(self, rng):
    return self.model.init(rng, jnp.zeros((1,) + self.input_shape, jnp.float32), train=False)

  def features(self, variables, maps, layer: str = IMAGE):
    """G's views (batch, S, S, 1) of spherical maps (batch, 2b, 2b, C), inference mode."""
    if layer != IMAGE:
      raise ValueError(f"the synthesis network has one output, {IMAGE!r}; got {layer!r}")
    return self.model.apply(variables, maps, train=False)

  def load_inputs(self, load) -> None:
    """Loads E's latest checkpoint (and its Φ, for source "targets").

    load: `stages.trained.load_trained`, passed in so that models do not import their loader.
    """
    embed, variables, _ = load(embed_workdir(self.config, self.workdir), kind="embed",
                               with_inputs=self.config.source == "targets")
    self.use_embed(embed, variables)

  def use_embed(self, embed_stage, variables) -> None:
    """Uses a given E (model and variables), e.g. a freshly initialised one in benchmarks."""
    self.embed = embed_stage
    self._embed_variables = variables

  def inputs(self, batch):
    """What G decodes for a batch: E(image), or Φ's normalised target of the sphere."""
    if self.config.source == "targets":
      return self.embed.targets(batch["sphere"])
    return self.inputs_of_views(batch["image"])

  def inputs_of_views(self, views):
    """E(views) (batch, 2b, 2b, C) of views (batch, S, S, 1), once E is loaded: what G decodes at
    inference, whatever it was trained from."""
    return self.embed.features(self._embed_variables, views)
