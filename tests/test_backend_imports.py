"""Off TensorFlow, nothing of the zoo imports TensorFlow: the framework, the kit,
the bench, the docs generator and every installed plugin load on JAX and
PyTorch without it (a user there may well not have it, or not want it loaded)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from zoo.backends import installed

PROBE = """
import importlib, pkgutil, sys
import zoo
# Every module of the framework, but the two that act when imported (the site's page
# generation, ``python -m zoo.cli``).
RUN_ON_IMPORT = {"zoo.docgen.site.gen_pages", "zoo.cli.__main__"}
for module in pkgutil.walk_packages(zoo.__path__, "zoo."):
    if module.name not in RUN_ON_IMPORT:
        importlib.import_module(module.name)
for item in zoo.get_registry().all():
    __import__(item.cls.__module__)
print(sorted(m for m in sys.modules if m == "tensorflow" or m.startswith("tensorflow.")))
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", [b for b in ("jax", "torch") if b in installed()])
def test_nothing_imports_tensorflow_on_another_backend(backend: str):
    env = {**os.environ, "KERAS_BACKEND": backend}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
