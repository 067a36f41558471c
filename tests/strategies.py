"""Hypothesis strategies shared by the property tests (scalars, not shapes)."""

from hypothesis import strategies as st

#: Membrane potentials across the physiological range, with the 0/0 points drawn often.
voltages = st.one_of(
    st.floats(min_value=-120.0, max_value=80.0, allow_nan=False),
    st.sampled_from([-40.0, -55.0, -120.0, 80.0]),
)
#: Constant injected currents, uA/cm^2.
currents = st.floats(min_value=0.0, max_value=50.0, allow_nan=False)
