"""The documentation's promises: every example runs and prints what it claims, every public name
carries the sections of a reference entry."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import hh_brainpy

# Every module of the package whose docstrings may hold examples (hh_brainpy.state needs
# brainpy.state, present on both supported stacks).
MODULES = sorted(m.name for m in pkgutil.walk_packages(hh_brainpy.__path__, "hh_brainpy.")
                 if not m.name.endswith("__main__"))  # importing __main__ runs the command


def _docs_module(name: str):
    """A module of ``docs/`` (the site's own code), loaded from its file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_modules() -> list[str]:
    """The package and every module the API reference gives a page (docs/api_pages.py)."""
    return ["hh_brainpy"] + [f"hh_brainpy.{n}" for n in _docs_module("api_pages").page_modules()]


def _public_objects() -> list[tuple[str, object]]:
    """Every public class and function, once, under the first public name that exports it."""
    seen: set[int] = set()
    found = []
    for modname in _public_modules():
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and id(obj) not in seen:
                seen.add(id(obj))
                found.append((f"{modname}.{name}", obj))
    return found


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    """Every ``>>>`` example in the module's docstrings gives the output written under it."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("name", MODULES)
def test_constant_examples(name):
    """Every ``>>>`` example in a constant's ``#:`` comment gives the output written under it."""
    module = importlib.import_module(name)
    source = Path(module.__file__).read_text()
    comments = re.findall(r"((?:^#:.*\n)+)", source, flags=re.M)
    text = "\n\n".join("\n".join(line[3:] for line in block.splitlines()) for block in comments)
    test = doctest.DocTestParser().get_doctest(text, {}, f"{name} constants", module.__file__, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0


PUBLIC_OBJECTS = _public_objects()


@pytest.mark.parametrize(("name", "obj"), PUBLIC_OBJECTS, ids=[n for n, _ in PUBLIC_OBJECTS])
def test_reference_entry(name, obj):
    """A public class or function has a summary line, its parameters (or attributes) and an example."""
    doc = inspect.getdoc(obj) or ""
    assert doc.splitlines() and doc.splitlines()[0].strip(), f"{name}: no summary line"
    sections = set(re.findall(r"^(\w[\w ]*)\n-{3,}$", doc, flags=re.M))
    assert "Examples" in sections, f"{name}: no Examples section"
    takes = [p for p in inspect.signature(obj).parameters.values() if p.name not in ("self", "cls")] \
        if not (inspect.isclass(obj) and issubclass(obj, BaseException)) else []
    if takes:
        assert sections & {"Parameters", "Attributes"}, f"{name}: parameters undocumented"
    if inspect.isfunction(obj) and inspect.signature(obj).return_annotation not in (None, "None"):
        assert sections & {"Returns", "Yields"}, f"{name}: no Returns section"


def test_the_site_check_names_every_kind_of_fault(tmp_path):
    """docs/check_site.py reports a broken link, a missing anchor, an image that did not load, a notebook
    page without a figure, a cell error, an empty API page and a public name without an entry."""
    check_site = _docs_module("check_site")
    for page in ("index.html", "api/index.html", "api/empty.html", check_site.SCREENSHOT_PAGE):
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text("<html></html>")
    base = "http://127.0.0.1:8000/"
    blank = {"links": [], "images": [], "ids": [], "entries": 0, "errors": 0}
    pages = {
        "index.html": blank | {"links": [base + "missing.html", base + "api/index.html#nowhere"],
                               "images": [[base + "_images/a.png", False, False]]},
        "api/index.html": blank | {"ids": ["top"]},
        "api/empty.html": blank,
        check_site.SCREENSHOT_PAGE: blank | {"images": [[base + "_images/b.png", True, False]], "errors": 1},
    }
    found = "\n".join(check_site.faults(tmp_path, pages, ["hh_brainpy.simulate"]))
    for fault in ("broken link to missing.html", "missing anchor api/index.html#nowhere", "image does not load",
                  "without a figure", "1 cell error", "api/empty.html: an API page without entries",
                  "no API entry for hh_brainpy.simulate"):
        assert fault in found, fault
    pages["api/empty.html"]["entries"] = 1
    pages["api/empty.html"]["ids"] = ["hh_brainpy.simulate"]
    assert "no API entry" not in "\n".join(check_site.faults(tmp_path, pages, ["hh_brainpy.simulate"]))
