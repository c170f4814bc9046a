"""Griffe extension for the API reference: show docstring examples as code.

The package's docstrings put their runnable ``>>>`` examples in the body, after the Google
style sections, as doctest expects. Markdown would render those lines as a paragraph (and
read ``[1.0, 2.0]`` in an output as a link), so this extension wraps each run of doctest
lines, from a ``>>>`` line to the next blank line, in a ``pycon`` fence before the docstring
is parsed. The docstrings themselves are not changed.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """Return ``text`` with each doctest example wrapped in a ```` ```pycon ```` fence."""
    lines = text.splitlines()
    out: list[str] = []
    in_fence = False  # inside a fence the docstring already has
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith("```"):
            in_fence = not in_fence
        if in_fence or not stripped.startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(stripped)]
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctest examples of every docstring that has some."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        docstring = obj.docstring
        if docstring is not None and ">>>" in docstring.value:
            docstring.value = fence_doctests(docstring.value)
