"""The regularizing family of the layer zoo (work in progress)."""
