"""The normalization family of the layer zoo (work in progress)."""
