"""Random layers whose seed state is saved with their weights.

A ``keras.random.SeedGenerator`` keeps its state in a variable, but Keras
saves a layer's weights only, not the state of its seed generators: a model
reloaded from a ``.keras`` file or a checkpoint (``BackupAndRestore``) draws
its first random mask again, and resumed training goes another way than
training that was never interrupted. A layer that mixes in ``SavesSeedState``
saves that state beside its weights and restores it on loading.
"""

from __future__ import annotations

from typing import Any

import keras

#: The key of the seed state in the layer's part of the weights file.
KEY = "seed_generator_state"


class SavesSeedState:
    """Mixin for a layer with a ``seed_generator``: its state is saved with the weights.

    Files saved before the layer had this mixin hold no seed state: they load
    as before, with the seed generator as it was built.
    """

    seed_generator: keras.random.SeedGenerator

    def save_own_variables(self, store: Any) -> None:
        # The Keras layer after this mixin in the class bases has it.
        super().save_own_variables(store)  # type: ignore[misc]
        store[KEY] = keras.ops.convert_to_numpy(self.seed_generator.state.value)

    def load_own_variables(self, store: Any) -> None:
        keys = list(store.keys())  # an H5 group or a dict, depending on the format
        if KEY in keys:
            self.seed_generator.state.assign(store[KEY])
            # What is left is what the base layer saved and expects.
            store = {key: store[key] for key in keys if key != KEY}
        super().load_own_variables(store)  # type: ignore[misc]
