"""Sphinx configuration of the hh_brainpy documentation.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html``. The notebooks are executed
during the build (``nb_execution_mode = "force"``), and a cell error fails it. A build that reuses
notebooks executed just before (by ``pytest --nbmake --overwrite``) passes
``-D nb_execution_mode=off``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))

import api_pages  # noqa: E402  (docs/api_pages.py: the API pages, written from __all__)
import generated  # noqa: E402  (docs/generated.py: the seed figure and the methods table)

import hh_brainpy  # noqa: E402

project = "hh_brainpy"
author = "hh_brainpy developers"
copyright = "2026, hh_brainpy developers"
release = hh_brainpy.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
]

# Every cross-reference must resolve; the names of other packages are not ours to document.
nitpicky = True
# The types in "Parameters" and "Returns" are free text ("array (T, N)", "{'cn', 'be'}"), which the
# Python domain reads as class names: only those naming this package are checked.
nitpick_ignore_regex = [
    (r"py:class", r"(?!hh_brainpy\.).*"),
    (r"py:.*", r"(numpy|np|jax|jnp|brainpy|bp|bm|brainstate|brainunit|braintools|matplotlib|scipy)\..*"),
]

suppress_warnings = ["ref.footnote"]  # an unreferenced footnote: a References list

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

# Notebooks: executed at every build, a failing cell fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 600
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "none"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes" as a field list: no second entry beside autodoc's own
napoleon_preprocess_types = False

html_theme = "sphinx_book_theme"
html_title = "hh_brainpy"
html_static_path: list[str] = []
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
html_last_updated_fmt = None


def _unique_footnotes(app, what, name, obj, options, lines):
    """Number each docstring's footnotes ``[1]``, ``[2]`` under its own labels.

    NumPy-style References are numbered per docstring, and several docstrings share a page; as
    auto-numbered labelled footnotes they cannot collide, and an unreferenced one is still shown.
    """
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name)
    for i, line in enumerate(lines):
        line = re.sub(r"^(\s*)\.\. \[(\d+)\]", rf"\1.. [#{slug}-\2]", line)
        lines[i] = re.sub(r"\[(\d+)\]_", rf"[#{slug}-\1]_", line)


def _skip_tuple_fields(app, what, name, obj, skip, options):
    """Leave out a NamedTuple's "Alias for field number N" entries: its Attributes section says more."""
    if type(obj).__name__ == "_tuplegetter":
        return True
    return None


def setup(app):
    """Write the API pages and the getting-started figure before Sphinx reads the sources."""
    app.connect("autodoc-skip-member", _skip_tuple_fields)
    app.connect("autodoc-process-docstring", _unique_footnotes)
    app.connect("builder-inited", lambda app: api_pages.write(DOCS / "api"))
    app.connect("builder-inited", lambda app: generated.seed_figure(DOCS / "_generated"))
    app.connect("builder-inited", lambda app: generated.methods_table(DOCS / "_generated"))
