"""Validation against NEURON's built-in ``hh`` mechanism (the ``neuron`` package, extra ``[neuron]``).

One isopotential compartment of area A; NEURON's ``hh`` uses S/cm^2 and an
IClamp in nA, so gl [S/cm^2] = gL [mS/cm^2] * 1e-3 and amp [nA] = Iext [uA/cm^2]
* A [um^2] * 1e-8 [cm^2/um^2] * 1e3 [nA/uA].  Rate tables are off
(``usetable_hh = 0``); CVODE runs at rtol = atol = 1e-10 and NetCon threshold
crossings are interpolated inside the step (``condition_order(2)``).
"""

from __future__ import annotations

import numpy as np
import pytest

import hh_brainpy as hb

neuron = pytest.importorskip("neuron", reason="NEURON is not installed (pip install -e '.[neuron]')")


def neuron_spike_times(Iext: float, celsius: float, duration: float, params: hb.HHParams) -> np.ndarray:
    h = neuron.h
    h.load_file("stdrun.hoc")
    soma = h.Section(name="soma")
    soma.L = soma.diam = 100.0 / np.sqrt(np.pi)  # area pi * d * L = 1e4 um^2
    soma.nseg = 1
    soma.cm = params.C
    soma.insert("hh")
    seg = soma(0.5)
    seg.hh.gnabar, seg.hh.gkbar, seg.hh.gl = params.gNa * 1e-3, params.gK * 1e-3, params.gL * 1e-3
    seg.hh.el = params.EL
    seg.ena, seg.ek = params.ENa, params.EK
    h.usetable_hh = 0
    h.celsius = celsius
    clamp = h.IClamp(seg)
    clamp.delay, clamp.dur, clamp.amp = 0.0, 1e9, Iext * seg.area() * 1e-5
    cvode = h.CVode()
    cvode.active(1)
    cvode.rtol(1e-10)
    cvode.atol(1e-10)
    cvode.condition_order(2)
    detector = h.NetCon(seg._ref_v, None, sec=soma)
    detector.threshold = 0.0
    times = h.Vector()
    detector.record(times)
    h.finitialize(-65.0)  # gates at their steady state at -65 mV, as init='rest'
    h.continuerun(duration)
    return np.array(times)


@pytest.mark.parametrize("celsius", [6.3, 20.0])
@pytest.mark.parametrize("name", ["brainpy", "hh1952"])
def test_spike_times_agree_with_neurons_hh(celsius, name):
    params = hb.parameter_set(name)
    theirs = neuron_spike_times(10.0, celsius, 100.0, params)
    ours = hb.simulate(100.0, Iext=10.0, **params.replace(temperature=celsius).membrane()).spike_times(0.0)[0]
    assert len(ours) == len(theirs) >= 5
    # the issue asks for 0.01 ms; measured about 1e-5 ms
    assert np.max(np.abs(ours - theirs)) < 1e-4
