"""The documentation site builds with ``--strict``, every page is reachable, and no link is broken.

The site is built once for this module, as ``.ci/run`` builds it. Its links are
then checked in the built HTML: every relative ``href`` and ``src`` names a file
the build wrote, and every ``#anchor`` an ``id`` on the page it points to.
External (``http(s):``, ``mailto:``) links are not fetched: the docs must build
and check without a network. A short checker over ``html.parser`` does this
rather than a link-checking tool, because the tools worth having (linkchecker,
lychee) are built around fetching, which we must not do, and this one needs
only the standard library.
"""

from __future__ import annotations

import os
import posixpath
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

import ledgerlink
from tests.paths import DOCS, ROOT

EXAMPLE = DOCS / "example-plugin"
CONFIG = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
#: Links with a scheme (or protocol-relative) point off the site and are not fetched.
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def _build(config: Path, site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
         "--site-dir", str(site)],
        cwd=cwd, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True,
        text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built from mkdocs.yml with ``--strict`` into a temporary directory."""
    out = tmp_path_factory.mktemp("site")
    done = _build(ROOT / "mkdocs.yml", out, ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


class _Page(HTMLParser):
    """The ids a page defines and the links it makes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.ids.add(values[name] or "")
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name] or "")


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _broken_links(site: Path) -> Iterator[str]:
    """``page -> link: why`` for every relative link of the built site that leads nowhere."""
    pages = {path.relative_to(site).as_posix(): _parse(path) for path in site.rglob("*.html")}
    for name, page in sorted(pages.items()):
        if name == "404.html":  # served from any depth, so its links are absolute by design
            continue
        for link in page.links:
            if _EXTERNAL.match(link):
                continue
            if link.startswith("/"):
                yield f"{name} -> {link}: absolute, breaks when the site is not at the root"
                continue
            target = urlsplit(link)
            path = posixpath.normpath(posixpath.join(posixpath.dirname(name),
                                                     unquote(target.path))) if target.path else name
            if (site / path).is_dir():
                path = posixpath.normpath(f"{path}/index.html")
            if path.startswith("../") or not (site / path).is_file():
                yield f"{name} -> {link}: no file {path}"
            elif target.fragment and path in pages and target.fragment not in pages[path].ids:
                yield f"{name} -> {link}: no id {target.fragment!r} on {path}"


def _nav_pages(nav: Any) -> Iterator[str]:
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from _nav_pages(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from _nav_pages(value)


def _source_pages() -> set[str]:
    """Every Markdown page mkdocs renders: docs/**/*.md but the excluded folders."""
    excluded = [line.strip().strip("/") for line in CONFIG["exclude_docs"].splitlines()
                if line.strip()]
    return {path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md")
            if not any(path.relative_to(DOCS).as_posix().startswith(f"{folder}/")
                       for folder in excluded)}


def test_the_site_has_no_broken_link(site: Path) -> None:
    """Every relative href and src in the built site names a built file, and every #anchor an
    id on its page."""
    assert (site / "index.html").is_file()
    assert list(_broken_links(site)) == []


def test_the_link_check_finds_a_broken_link_and_anchor(tmp_path: Path) -> None:
    """The checker reports a missing page and a missing anchor (so a clean result means
    something)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<h1 id="top">x</h1><a href="a/">ok</a><a href="#top">ok</a><a href="b/">no page</a>'
        '<a href="a/#nowhere">no anchor</a><a href="https://example.invalid/">external</a>',
        encoding="utf-8")
    (tmp_path / "a" / "index.html").write_text('<p id="here">a</p>', encoding="utf-8")
    assert [problem.split(":")[0] for problem in _broken_links(tmp_path)] == [
        "index.html -> b/", "index.html -> a/#nowhere"]


def test_a_broken_link_or_anchor_fails_the_strict_build(tmp_path: Path) -> None:
    """mkdocs.yml's validation makes a Markdown link to a missing page or anchor fail
    `mkdocs build --strict`."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\n## Here\n\n[ok](other.md#there)\n", encoding="utf-8")
    config = {key: CONFIG[key] for key in ("site_name", "strict", "validation")}
    for broken in ("[gone](missing.md)", "[gone](other.md#nowhere)", "[gone](folder/)"):
        (docs / "other.md").write_text(f"# Other\n\n## There\n\n{broken}\n", encoding="utf-8")
        (tmp_path / "mkdocs.yml").write_text(
            yaml.safe_dump({**config, "nav": ["index.md", "other.md"]}), encoding="utf-8")
        done = _build(tmp_path / "mkdocs.yml", tmp_path / "site", tmp_path)
        assert done.returncode != 0, broken
    (docs / "other.md").write_text("# Other\n\n## There\n", encoding="utf-8")
    assert _build(tmp_path / "mkdocs.yml", tmp_path / "site", tmp_path).returncode == 0


def test_every_page_is_in_the_nav() -> None:
    """mkdocs.yml's nav lists each Markdown page of docs/ once, and only pages that exist."""
    listed = list(_nav_pages(CONFIG["nav"]))
    assert len(listed) == len(set(listed))
    assert set(listed) == _source_pages()


def test_every_page_is_linked_from_the_index() -> None:
    """docs/index.md links to every other page of the site."""
    linked = set(re.findall(r"\]\(([\w./-]+\.md)(?:#[\w-]*)?\)",
                            (DOCS / "index.md").read_text(encoding="utf-8")))
    assert linked == _source_pages() - {"index.md"}


def test_the_readme_lists_the_pages_the_index_lists() -> None:
    """The README's documentation list links docs/index.md and the same pages as it does."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Documentation\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\]\(docs/([\w./-]+\.md)\)", section))
    index = set(re.findall(r"\]\(([\w./-]+\.md)\)", (DOCS / "index.md").read_text("utf-8")))
    assert listed == index | {"index.md"}


def test_the_notebook_is_published_with_the_site(site: Path) -> None:
    """The tutorial notebook the pages link to is in the built site."""
    assert (site / "tutorial" / "notebook.ipynb").is_file()


def test_the_generated_api_reference_has_every_public_name(site: Path) -> None:
    """The generated page of `ledgerlink` has an entry (an anchor) for each name in `__all__`."""
    ids = _parse(site / "reference" / "api" / "ledgerlink" / "index.html").ids
    assert {f"ledgerlink.{name}" for name in ledgerlink.__all__} <= ids


def test_generated_signatures_show_constant_defaults_by_value(site: Path) -> None:
    """`run`'s generated signature shows `batch_size` as the number the code uses."""
    from ledgerlink.runner import DEFAULT_BATCH_SIZE

    html = (site / "reference" / "python" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    assert f"batch_size: int = {DEFAULT_BATCH_SIZE}" in text
    assert ":class:" not in text


def test_the_example_plugin_page_shows_every_file_of_the_plugin() -> None:
    """tutorial/example-plugin.md includes the example's README and every one of its files."""
    page = (DOCS / "tutorial" / "example-plugin.md").read_text(encoding="utf-8")
    included = set(re.findall(r'^--8<-- "([^"]+)"$', page, re.MULTILINE))
    files = {path.relative_to(EXAMPLE).as_posix() for path in EXAMPLE.rglob("*")
             if path.is_file() and path.suffix in {".py", ".md", ".toml"}
             and "__pycache__" not in path.parts}
    assert included == files
