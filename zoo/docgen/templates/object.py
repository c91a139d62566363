"""The page of an initializer, regularizer or constraint: what it is, its example, its
twin, its config and API."""

from __future__ import annotations

from zoo.docgen import sections
from zoo.docgen.templates import template


@template("object")
def object_page(page: sections.Page) -> None:
    sections.heading(page)
    obj = page.item.entry.make()
    sections.twin(page)
    sections.config_and_api(page, obj)
