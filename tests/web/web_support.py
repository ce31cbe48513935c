"""Helpers of the public site tests: fetching pages and reading them."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping
from xml.etree.ElementTree import Element

import html5lib


def parse_strict(text: str) -> Element:
    """Parse with html5lib in strict mode: any parse error raises."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(text)


def text_of(element: Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


@dataclass
class Page:
    path: str
    status: int
    headers: Mapping[str, str]  # case-insensitive, as received
    text: str
    tree: Element

    def find(self, path: str) -> Element | None:
        return self.tree.find(path)

    def all(self, path: str) -> list[Element]:
        return self.tree.findall(path)

    def texts(self, path: str) -> list[str]:
        return [text_of(e) for e in self.all(path)]

    def attr(self, path: str, name: str) -> str | None:
        element = self.find(path)
        return element.get(name) if element is not None else None

    @property
    def lang(self) -> str | None:
        return self.tree.get("lang")

    @property
    def title(self) -> str:
        return text_of(self.find(".//head/title"))

    @property
    def h1(self) -> str:
        return text_of(self.find(".//h1"))

    @property
    def canonical(self) -> str | None:
        return self.attr(".//link[@rel='canonical']", "href")

    @property
    def description(self) -> str | None:
        return self.attr(".//meta[@name='description']", "content")

    @property
    def switcher(self) -> dict[str, str]:
        """The language switcher's targets, by language."""
        return {
            a.get("hreflang"): a.get("href")
            for a in self.all(".//nav[@class='languages']//a")
        }

    @property
    def alternates(self) -> dict[str, str]:
        return {
            link.get("hreflang"): link.get("href")
            for link in self.all(".//link[@rel='alternate']")
            if link.get("hreflang")
        }

    def links(self) -> list[str]:
        return [a.get("href") for a in self.all(".//a") if a.get("href")]


async def get_page(client, path: str, status: int = 200, **kwargs) -> Page:
    """Fetch a page without following redirects; check the status and parse."""
    response = await client.get(path, allow_redirects=False, **kwargs)
    text = await response.text()
    assert response.status == status, f"{path}: {response.status}\n{text[:800]}"
    return Page(path, response.status, response.headers, text, parse_strict(text))


async def redirect_of(client, path: str, status: int = 301, **kwargs) -> str:
    response = await client.get(path, allow_redirects=False, **kwargs)
    assert response.status == status, f"{path}: {response.status}"
    return response.headers["Location"]
