"""The API reference pages, written from the package's ``__all__`` lists at every build.

Each public name gets exactly one entry: names whose home is a public module (``hh_brainpy.clamp``,
``hh_brainpy.analysis``, ...) on that module's page, the rest (defined in internal modules and
re-exported) on the page of ``hh_brainpy`` itself.  A name added to an ``__all__`` appears without
editing the docs; :func:`missing_entries` lists the names the built site does not document.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path
from types import ModuleType

#: Pages of the reference after the package's own: public modules and what they hold.
MODULE_PAGES = ("stimulus", "analysis", "excitability", "plotting", "kinetics", "fitting", "clamp", "shocks",
                "repetitive", "subthreshold", "paper", "cable", "cable_group", "models", "models.cobahh",
                "models.cobahh_scan", "models.cobahh_state", "models.events", "models.wang_buzsaki", "state")

_TITLE = {
    "hh_brainpy": "hh_brainpy: the model, the neuron, the runner",
    "stimulus": "Current protocols", "analysis": "Spike analysis", "excitability": "Excitability",
    "plotting": "Plotting", "kinetics": "Kinetics: rates, currents, the vector field",
    "fitting": "Gradients and fitting", "clamp": "Voltage clamp", "shocks": "Shocks, threshold, refractoriness",
    "repetitive": "Repetitive firing", "subthreshold": "The linearized membrane",
    "paper": "The 1952 paper's conventions",
    "cable": "The cable", "cable_group": "The cable in BrainPy networks", "models": "Models",
    "models.cobahh": "COBAHH network (BrainPy classes)", "models.cobahh_scan": "COBAHH run as one loop",
    "models.cobahh_state": "COBAHH network (brainpy.state)", "models.events": "Event-driven spike propagation",
    "models.wang_buzsaki": "Wang-Buzsaki neuron",
    "state": "hh_brainpy.state: the neuron for brainpy.state",
}


def public_names(module: ModuleType) -> list[str]:
    """The names a module exports, from its ``__all__``, modules left out."""
    return [name for name in module.__all__ if not inspect.ismodule(getattr(module, name))]


def page_modules() -> list[str]:
    """The modules with a page: :data:`MODULE_PAGES`, then any public module of ``hh_brainpy`` it lacks."""
    import hh_brainpy

    exported = [n for n in hh_brainpy.__all__ if inspect.ismodule(getattr(hh_brainpy, n))]
    return [*MODULE_PAGES, *(n for n in exported if n not in MODULE_PAGES)]


def _public_modules() -> dict[str, ModuleType]:
    return {name: importlib.import_module(f"hh_brainpy.{name}") for name in page_modules()}


def _home(obj: object, modules: dict[str, ModuleType]) -> str | None:
    """The public module page that documents ``obj``, or None for the package page."""
    for name, mod in modules.items():
        if any(getattr(mod, n, None) is obj for n in _page_names(name, mod)):
            return name
    return None


def _data_doc(name: str, obj: object) -> tuple[str, str]:
    """The ``#:`` comment of a module-level constant re-exported by the package, and its module."""
    from sphinx.pycode import ModuleAnalyzer

    for modname, mod in sorted(sys.modules.items()):
        if not modname.startswith("hh_brainpy.") or mod is None or getattr(mod, name, None) is not obj:
            continue
        docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        if ("", name) in docs:
            return modname, "\n".join(docs[("", name)]).strip()
    raise LookupError(f"hh_brainpy.{name} has no '#:' comment where it is defined; write one")


def _entry(qualname: str, obj: object, doc: str | None = None) -> str:
    if inspect.isclass(obj):
        lines = [f".. autoclass:: {qualname}", "   :members:"]
        if issubclass(obj, BaseException):
            lines = [f".. autoexception:: {qualname}"]
    elif inspect.isfunction(obj):
        lines = [f".. autofunction:: {qualname}"]
    elif doc is not None:
        value = repr(obj) if not callable(obj) and len(repr(obj)) < 60 else None
        module, _, short = qualname.rpartition(".")
        lines = [f".. py:data:: {short}", f"   :module: {module}"] + ([f"   :value: {value}"] if value else []) + [""]
        lines += ["   " + line if line else "" for line in doc.splitlines()]
    else:
        lines = [f".. autodata:: {qualname}"]
        if len(repr(obj)) >= 60:
            lines.append("   :no-value:")
    return "\n".join(lines) + "\n"


def _title(text: str) -> str:
    return f"{text}\n{'=' * len(text)}\n"


def _package_page(modules: dict[str, ModuleType]) -> str:
    import hh_brainpy

    own, elsewhere = [], []
    for name in public_names(hh_brainpy):
        obj = getattr(hh_brainpy, name)
        home = _home(obj, modules)
        if home is None:
            own.append((name, obj))
        else:
            elsewhere.append(f"- ``hh_brainpy.{name}``: :py:obj:`hh_brainpy.{home}.{name}`")
    parts = [_title(_TITLE["hh_brainpy"]), ".. automodule:: hh_brainpy\n   :no-members:\n"]
    for name, obj in own:
        doc = None
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):  # a constant, or the bp.odeint integrator
            _, doc = _data_doc(name, obj)
        parts.append(_entry(f"hh_brainpy.{name}", obj, doc))
    parts.append("Also at the top level\n---------------------\n\nThese names are documented on their "
                 "module's page and re-exported by ``hh_brainpy``:\n\n" + "\n".join(elsewhere) + "\n")
    return "\n".join(parts)


def _page_names(name: str, module: ModuleType) -> list[str]:
    """The names documented on a module's page: a ``models`` file leaves out what ``models`` re-exports."""
    names = public_names(module)
    if name.startswith("models."):
        models = importlib.import_module("hh_brainpy.models")
        names = [n for n in names if getattr(models, n, None) is not getattr(module, n)]
    return names


def _module_page(name: str, module: ModuleType) -> str:
    parts = [_title(_TITLE.get(name, f"hh_brainpy.{name}")), f".. automodule:: hh_brainpy.{name}\n   :no-members:\n"]
    parts += [_entry(f"hh_brainpy.{name}.{member}", getattr(module, member)) for member in _page_names(name, module)]
    return "\n".join(parts)


def write(folder: Path) -> None:
    """Write ``index.rst`` and one page per documented module into ``folder``."""
    modules = _public_modules()
    folder.mkdir(parents=True, exist_ok=True)
    pages = {"hh_brainpy": _package_page(modules)}
    pages.update({name: _module_page(name, mod) for name, mod in modules.items() if _page_names(name, mod)})
    for name, text in pages.items():
        _write_if_changed(folder / f"{name}.rst", text)
    for stale in set(folder.glob("*.rst")) - {folder / f"{name}.rst" for name in [*pages, "index"]}:
        stale.unlink()  # a module that no longer has a page of its own
    toc = "\n".join(f"   {name}" for name in pages)
    _write_if_changed(folder / "index.rst", _title("API reference") + "\nEvery public name of the package, "
                      "from its docstring.\n\n.. toctree::\n   :maxdepth: 1\n\n" + toc + "\n")


def documented_names() -> list[str]:
    """Every fully qualified name the API pages must document."""
    import hh_brainpy

    modules = _public_modules()
    names = [f"hh_brainpy.{n}" for n in public_names(hh_brainpy) if _home(getattr(hh_brainpy, n), modules) is None]
    for page, module in modules.items():
        names += [f"hh_brainpy.{page}.{n}" for n in _page_names(page, module)]
    return names


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
