"""Read the built documentation as a reader would: in headless Chromium, page by page.

``python docs/check_site.py [docs/_build/html]`` serves the site on 127.0.0.1, opens every page
reachable from ``index.html`` in Chromium (Debian's ``chromium`` and ``chromium-driver``, driven
by Selenium) and fails, listing every fault, when

- a link inside the site points to a page that does not exist, or to an anchor that page lacks;
- an image does not load (``naturalWidth`` 0);
- a notebook page shows no figure among its outputs, or shows a cell error;
- an API page documents nothing, or a public name has no entry (:func:`api_pages.documented_names`).

Links that leave the site are listed, not followed (the build machines have no network).  It keeps
screenshots of the landing page and of a notebook page in ``docs/_build/screenshots``.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

DOCS = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT_PAGE = "notebooks/07_hodgkin_huxley_1952.html"

# What each page reports back: its links, images, element ids, API entries and notebook outputs.
_PAGE_SCRIPT = """
const imgs = [...document.images].map(i => [i.currentSrc || i.src, i.complete && i.naturalWidth > 0,
                                            !!i.closest('.cell_output')]);
return {
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  images: imgs,
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  entries: document.querySelectorAll('dl.py > dt[id]').length,
  errors: document.querySelectorAll('.cell_output .output.traceback, .cell_output .output.error').length,
};
"""


def _serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the base class's signature
        pass


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def crawl(root: Path) -> tuple[dict[str, dict], list[str]]:
    """Every page reachable from index.html: what the browser saw on it, and the outside links."""
    server, base = _serve(root)
    driver = _browser()
    pages: dict[str, dict] = {}
    outside: set[str] = set()
    try:
        queue = deque(["index.html"])
        while queue:
            page = queue.popleft()
            if page in pages:
                continue
            driver.get(base + page)
            seen = driver.execute_script(_PAGE_SCRIPT)
            seen["exists"] = (root / page).is_file()
            pages[page] = seen
            if page == "index.html" or page == SCREENSHOT_PAGE:
                _screenshot(driver, root, page)
            for link in seen["links"]:
                url, _ = urldefrag(link)
                if not url.startswith(base):
                    if urlsplit(link).scheme in ("http", "https", "mailto"):
                        outside.add(link)
                    continue
                target = _page(url[len(base):])
                if target.endswith(".html") and target not in pages and (root / target).is_file():
                    queue.append(target)
    finally:
        driver.quit()
        server.shutdown()
    return pages, sorted(outside)


def _page(path: str) -> str:
    """The file a site-relative URL path serves: a folder's ``index.html``."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def _screenshot(driver, root: Path, page: str) -> None:
    folder = root.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / (Path(page).stem + ".png")))


def faults(root: Path, pages: dict[str, dict], public: list[str]) -> list[str]:
    """What a reader would find wrong, one line each."""
    base_ids = {page: set(seen["ids"]) for page, seen in pages.items()}
    found: list[str] = []
    for page, seen in pages.items():
        found += _link_faults(root, page, seen, base_ids)
        found += [f"{page}: image does not load: {src}" for src, ok, _ in seen["images"] if not ok]
        if page.startswith("notebooks/"):
            if not any(in_output for _, _, in_output in seen["images"]):
                found.append(f"{page}: a notebook page without a figure in its outputs")
            if seen["errors"]:
                found.append(f"{page}: {seen['errors']} cell error(s) shown")
        if page.startswith("api/") and page != "api/index.html" and seen["entries"] == 0:
            found.append(f"{page}: an API page without entries")
    api_ids = set().union(*(ids for page, ids in base_ids.items() if page.startswith("api/")))
    found += [f"no API entry for {name}" for name in public if name not in api_ids]
    for required in ("index.html", SCREENSHOT_PAGE, "api/index.html"):
        if required not in pages:
            found.append(f"{required} cannot be reached from index.html")
    return found


def _link_faults(root: Path, page: str, seen: dict, ids: dict[str, set[str]]) -> list[str]:
    found = []
    for link in seen["links"]:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or parts.hostname != "127.0.0.1":
            continue
        target = _page(parts.path.lstrip("/"))
        if not (root / target).is_file():
            found.append(f"{page}: broken link to {target}")
        elif parts.fragment and target in ids and parts.fragment not in ids[target]:
            found.append(f"{page}: link to a missing anchor {target}#{parts.fragment}")
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else DOCS / "_build" / "html").resolve()
    if not (root / "index.html").is_file():
        print(f"no built site at {root}: build it first (see README)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(DOCS))
    import api_pages

    pages, outside = crawl(root)
    found = faults(root, pages, api_pages.documented_names())
    images = sum(len(seen["images"]) for seen in pages.values())
    print(f"checked {len(pages)} pages, {images} images; {len(outside)} links leave the site (not followed)")
    for line in found:
        print("FAULT:", line)
    print(f"screenshots in {root.parent / 'screenshots'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
