"""The vae family of the layer zoo (work in progress)."""
