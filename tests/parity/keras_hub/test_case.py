"""A stand-in for keras-hub's ``keras_hub/src/tests/test_case.py`` ``TestCase``.

keras-hub's own layer tests subclass that ``TestCase``. The installed wheel
ships it, but importing it needs ``grain`` (for keras-hub's preprocessing
tests), which is not a dependency of keras-hub nor of the zoo. This is the
part the four ported test files use, with the same steps in the same order
(keras-hub 0.32.0, Apache-2.0): ``run_layer_test`` (config and serialization
round trips, build from shapes, symbolic call, eager call against the
expected shape and dtype, one compiled ``fit`` step, the precision policies)
and the ``assertAll*`` helpers comparing through numpy.

What differs, and only that: it is a ``unittest.TestCase`` (keras-hub's is
``tf.test.TestCase``; TensorFlow's assertions need TensorFlow tensors or
numpy, and every comparison here goes through ``keras.ops.convert_to_numpy``,
so the same tests run on JAX and PyTorch); the precision test walks the
sublayers through the layer's attributes instead of the private
``_flatten_layers``.
"""

from __future__ import annotations

import json
import unittest
from typing import Any

import keras
import numpy as np
from keras import ops, tree


def _numpy(x: Any) -> Any:
    if hasattr(x, "__array__") or ops.is_tensor(x):
        return ops.convert_to_numpy(x)
    return x


def _sublayers(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """The layer and the layers it holds in its attributes, recursively."""
    found, todo = [], [layer]
    while todo:
        current = todo.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        todo.extend(v for v in vars(current).values() if isinstance(v, keras.layers.Layer))
    return found


class TestCase(unittest.TestCase):
    """keras-hub's base test case, as far as the ported layer tests use it."""

    def assertAllClose(self, x1, x2, atol=1e-6, rtol=1e-6, msg=None):  # noqa: N802
        # Lists of numbers are one array each (as TensorFlow's assertAllClose reads them);
        # tuples and dicts of tensors are compared leaf by leaf.
        def leaves(x):
            if isinstance(x, (tuple, dict)):
                return tree.flatten(tree.map_structure(_numpy, x))
            return [_numpy(x)]

        for left, right in zip(leaves(x1), leaves(x2), strict=True):
            np.testing.assert_allclose(
                np.asarray(left, dtype="float64"),
                np.asarray(right, dtype="float64"),
                atol=atol,
                rtol=rtol,
                err_msg=msg or "",
            )

    def assertAllEqual(self, x1, x2, msg=None):  # noqa: N802
        np.testing.assert_array_equal(_numpy(x1), _numpy(x2), err_msg=msg or "")

    def assertDTypeEqual(self, x, expected_dtype, msg=None):  # noqa: N802
        self.assertEqual(keras.backend.standardize_dtype(x.dtype), expected_dtype, msg=msg)

    def run_serialization_test(self, instance):
        """get_config and serialize_keras_object round trips give the same config."""
        cls = instance.__class__
        cfg = instance.get_config()
        cfg_json = json.dumps(cfg, sort_keys=True, indent=4)
        ref_dir = dir(instance)[:]
        revived_instance = cls.from_config(cfg)
        revived_cfg_json = json.dumps(revived_instance.get_config(), sort_keys=True, indent=4)
        self.assertEqual(cfg_json, revived_cfg_json)
        self.assertEqual(set(ref_dir), set(dir(revived_instance)))

        serialized = keras.saving.serialize_keras_object(instance)
        serialized_json = json.dumps(serialized, sort_keys=True, indent=4)
        revived_instance = keras.saving.deserialize_keras_object(json.loads(serialized_json))
        revived_cfg_json = json.dumps(revived_instance.get_config(), sort_keys=True, indent=4)
        self.assertEqual(cfg_json, revived_cfg_json)
        new_dir = dir(revived_instance)[:]
        for names in (ref_dir, new_dir):
            if "__annotations__" in names:
                names.remove("__annotations__")
        self.assertEqual(set(ref_dir), set(new_dir))

    def run_layer_test(
        self,
        cls,
        init_kwargs,
        input_data,
        expected_output_shape,
        expected_output_data=None,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        expected_num_non_trainable_variables=0,
        run_training_check=True,
        run_precision_checks=True,
    ):
        """Run basic tests for a modeling layer (keras-hub's steps)."""
        layer = cls(**init_kwargs)
        self.run_serialization_test(layer)

        def run_build_asserts(layer):
            self.assertTrue(layer.built)
            self.assertEqual(len(layer.trainable_weights), expected_num_trainable_weights)
            self.assertEqual(len(layer.non_trainable_weights), expected_num_non_trainable_weights)
            self.assertEqual(
                len(layer.non_trainable_variables), expected_num_non_trainable_variables
            )

        def run_output_asserts(layer, output, eager=False):
            output_shape = tree.map_structure(lambda x: None if x is None else x.shape, output)
            self.assertEqual(expected_output_shape, output_shape, "Unexpected output shape")
            output_dtype = tree.flatten(output)[0].dtype
            self.assertEqual(
                keras.backend.standardize_dtype(layer.dtype),
                keras.backend.standardize_dtype(output_dtype),
                "Unexpected output dtype",
            )
            if eager and expected_output_data is not None:
                self.assertAllClose(expected_output_data, output)

        def run_training_step(layer, input_data, output_data):
            class TestModel(keras.Model):
                def __init__(self, layer):
                    super().__init__()
                    self.layer = layer

                def call(self, x):
                    if isinstance(x, dict):
                        return self.layer(**x)
                    return self.layer(x)

            input_data = tree.map_structure(ops.convert_to_numpy, input_data)
            output_data = tree.map_structure(ops.convert_to_numpy, output_data)
            model = TestModel(layer)
            # As keras-hub: no jit compilation on the torch backend.
            jit_compile = keras.config.backend() != "torch"
            model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
            model.fit(input_data, output_data, verbose=0)

        # Build test.
        layer = cls(**init_kwargs)
        if isinstance(input_data, dict):
            layer.build(**{k + "_shape": v.shape for k, v in input_data.items()})
        else:
            layer.build(input_data.shape)
        run_build_asserts(layer)

        # Symbolic call test.
        symbolic = tree.map_structure(lambda x: keras.KerasTensor(x.shape, x.dtype), input_data)
        layer = cls(**init_kwargs)
        outputs = layer(**symbolic) if isinstance(symbolic, dict) else layer(symbolic)
        run_build_asserts(layer)
        run_output_asserts(layer, outputs)

        # Eager call test and compiled training test.
        layer = cls(**init_kwargs)
        output_data = layer(**input_data) if isinstance(input_data, dict) else layer(input_data)
        run_output_asserts(layer, output_data, eager=True)

        if run_training_check:
            run_training_step(layer, input_data, output_data)
        if run_precision_checks:
            self.run_precision_test(cls, init_kwargs, input_data)

    def run_precision_test(self, cls, init_kwargs, input_data):
        # As keras-hub: never mixed precision on torch CPU.
        if keras.config.backend() == "torch":
            import torch

            if not torch.cuda.is_available():
                return
        for name in ["mixed_float16", "mixed_bfloat16", "bfloat16"]:
            policy = keras.mixed_precision.Policy(name)
            layer = cls(**{**init_kwargs, "dtype": policy})
            if isinstance(input_data, dict):
                output_data = layer(**input_data)
                output_spec = layer.compute_output_spec(**input_data)
            else:
                output_data = layer(input_data)
                output_spec = layer.compute_output_spec(input_data)
            for tensor in tree.flatten(output_data):
                if "float" in keras.backend.standardize_dtype(tensor.dtype):
                    self.assertDTypeEqual(tensor, policy.compute_dtype)
            for spec in tree.flatten(output_spec):
                if "float" in keras.backend.standardize_dtype(spec.dtype):
                    self.assertDTypeEqual(spec, policy.compute_dtype)
            for weight in layer.weights:
                if "float" in keras.backend.standardize_dtype(weight.dtype):
                    self.assertDTypeEqual(weight, policy.variable_dtype)
            for sublayer in _sublayers(layer):
                if isinstance(sublayer, (keras.layers.Softmax, keras.layers.InputLayer)):
                    continue
                self.assertEqual(policy.compute_dtype, sublayer.compute_dtype)
                self.assertEqual(policy.variable_dtype, sublayer.variable_dtype)
