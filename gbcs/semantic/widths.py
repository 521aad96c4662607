"""Length fields written in a longer form than needed: kept beside the named fields, by tree path.

Decoded trees record such a width under ``lw`` (or ``<list>_lw``) next to the value it belongs to. Named
views do not carry encoding details, so ``split`` takes them out of a tree into ``{path: width}`` (the path
is the keys and list indices that lead to the ``lw`` entry, joined by ``/``) and ``restore`` puts them back
into the tree a view builds.
"""
from __future__ import annotations

import copy
from typing import Any

from gbcs.errors import MalformedMessage


def _is_width(key: str) -> bool:
    return key == "lw" or key.endswith("_lw")


def split(tree: Any) -> tuple[Any, dict[str, int]]:
    """A copy of ``tree`` without its widths, and the widths by path."""
    widths: dict[str, int] = {}

    def strip(node: Any, path: str) -> Any:
        if isinstance(node, dict):
            clean = {}
            for key, value in node.items():
                if _is_width(key):
                    widths[f"{path}{key}"] = value
                else:
                    clean[key] = strip(value, f"{path}{key}/")
            return clean
        if isinstance(node, list):
            return [strip(item, f"{path}{index}/") for index, item in enumerate(node)]
        return node

    return strip(tree, ""), widths


def restore(tree: Any, widths: dict[str, int]) -> Any:
    """``tree`` (copied) with the widths put back at their paths."""
    if not widths:
        return tree
    if not isinstance(widths, dict):
        raise MalformedMessage("length_widths must map tree paths to widths")
    tree = copy.deepcopy(tree)
    for path, width in widths.items():
        *steps, key = str(path).split("/")
        node = tree
        try:
            for step in steps:
                node = node[int(step)] if isinstance(node, list) else node[step]
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise MalformedMessage(f"length width path {path!r} is not in the built tree") from exc
        if not isinstance(node, dict) or not _is_width(key):
            raise MalformedMessage(f"length width path {path!r} does not end at a length")
        if isinstance(width, bool) or not isinstance(width, int) or not 0 <= width <= 4:
            raise MalformedMessage(f"length width must be 0..4, got {width!r}")
        node[key] = width
    return tree
