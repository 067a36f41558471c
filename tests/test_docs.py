"""The examples in the docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["hh_brainpy.integrator", "hh_brainpy.neuron", "hh_brainpy.runner", "hh_brainpy.kinetics",
           "hh_brainpy.analysis", "hh_brainpy.stimulus", "hh_brainpy.result", "hh_brainpy.fitting",
           "hh_brainpy.sweeps", "hh_brainpy.params", "hh_brainpy.excitability", "hh_brainpy.models.wang_buzsaki",
           "hh_brainpy.state"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    """Every ``>>>`` example in the module gives the output written under it."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
