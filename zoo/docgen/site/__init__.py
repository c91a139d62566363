"""The docs site's configuration, shipped with zoo so that ``zoo docs`` builds a site
anywhere: ``mkdocs.yml`` (theme, extensions, plugins), the page generation script
mkdocs-gen-files runs (``gen_pages.py``) and the griffe extension for Keras-style
docstrings. A project's own ``mkdocs.yml`` takes them with ``INHERIT``."""
