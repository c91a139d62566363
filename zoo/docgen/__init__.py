"""The documentation site: a page per registered object (``pages``), the models and
parity and outside-oracle sections, and the shipped site configuration (``site``)."""
