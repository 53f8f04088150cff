"""The bottom layer: what a run keeps in its workdir, and batched inference over its examples.

Nothing here knows a stage, the trainer or an evaluation; every other folder of `experiments` may
import it.
"""
