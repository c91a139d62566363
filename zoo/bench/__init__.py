"""Timing: layers beside their Keras twins (``layers``), training steps of whole models
(``models``), and the machine they ran on (``machine``)."""
