"""The kit's helper processes: a fresh process to load a saved file in, data-parallel,
model-parallel and multi-worker training, and another backend to compare numbers with.
Each module is run with ``python -m``; ``protocol`` is how they talk."""
