"""One RetrievePropertiesEx response -> its `objects` elements and its page token, with as
little Python per XML element as possible (docs/performance.md#the-page-reader).

A page of 1,000 VMs is ~190,000 elements, of which vcplan wants the 1,000 `objects`. A pull
parser hands every element's end to Python (1.9 million events for 10,000 VMs: a third of the
read). Here the bytes are cut at `</objects>` (plain ASCII: it cannot fall inside a multi-byte
character, and `<` is escaped in text) and each batch of whole `objects` elements is parsed by
the C parser in one call, under a wrapper element that re-declares the namespaces the response
declared before its first `objects`. A response of another shape (no default `urn:vim25`
namespace, prefixed `objects`, a non-UTF-8 encoding) goes through the pull parser instead.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

VIM_NS = b"urn:vim25"
OBJECTS = "{urn:vim25}objects"
TOKEN = "{urn:vim25}token"
_OBJECTS_OPEN = re.compile(rb"<objects[\s>/]")
_OBJECTS_CLOSE = b"</objects>"
_NS_DECL = re.compile(rb'\sxmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*"([^"]*)"')
_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")
# a token element, with or without a namespace prefix (the page fetcher scans for it too)
TOKEN_TEXT = re.compile(rb"<(?:[\w.-]+:)?token>([^<]*)</(?:[\w.-]+:)?token>")
_WRAPPER_END = b"</vcplan-page>"
PROLOGUE_MAX = 1 << 16  # no unprefixed `<objects` by then: a response of another shape


Prune = Callable[[bytes, bytes], bytes]  # (the wrapper's start tag, a batch) -> the batch to parse


class PageReader:
    """feed() the response's bytes as they arrive; each call returns the `objects` elements
    completed so far; close() returns the page's token (None on the last page). `prune` may
    cut from each batch of whole `objects` what the caller will not read, before it is parsed
    (the pull parser's path is never pruned)."""

    def __init__(self, prune: Prune | None = None) -> None:
        self._prune = prune
        self._buf = b""
        self._wrapper: bytes | None = None  # the wrapper's start tag, once the prologue is read
        self._outside: list[bytes] = []  # the bytes around the objects: where the token is
        self._pull: ET.XMLPullParser | None = None  # for a response of another shape
        self._token: str | None = None

    @property
    def elements_kept(self) -> bool:
        """True when the elements stay in a growing tree: the caller clears each one."""
        return self._pull is not None

    def feed(self, chunk: bytes) -> list[ET.Element]:
        if self._pull is not None:
            return self._pull_feed(chunk)
        buf = self._buf + chunk
        if self._wrapper is None:
            first = _OBJECTS_OPEN.search(buf)
            if first is None and len(buf) <= PROLOGUE_MAX:
                self._buf = buf
                return []
            self._wrapper = _wrapper_for(buf[: first.start()]) if first else None
            if first is None or self._wrapper is None:
                self._pull = ET.XMLPullParser(events=("end",))
                self._buf = b""
                return self._pull_feed(buf)
            self._outside.append(buf[: first.start()])
            buf = buf[first.start() :]
        end = buf.rfind(_OBJECTS_CLOSE)
        if end < 0:
            self._buf = buf
            return []
        end += len(_OBJECTS_CLOSE)
        batch, self._buf = buf[:end], buf[end:]
        if self._prune is not None:
            batch = self._prune(self._wrapper, batch)
        found = []
        for el in ET.fromstring(self._wrapper + batch + _WRAPPER_END):
            if el.tag == OBJECTS:
                found.append(el)
            elif el.tag == TOKEN:
                self._token = el.text
        return found

    def close(self) -> str | None:
        if self._pull is not None:
            self._pull.close()
            self._pull_events()
            return self._token
        if self._wrapper is None:  # no objects at all: the whole response is outside
            self._pull = ET.XMLPullParser(events=("end",))
            self._pull_feed(self._buf)
            return self.close()
        self._outside.append(self._buf)
        if self._token is None:
            for part in self._outside:
                if match := TOKEN_TEXT.search(part):
                    self._token = match.group(1).decode()
        return self._token

    def _pull_feed(self, data: bytes) -> list[ET.Element]:
        assert self._pull is not None
        self._pull.feed(data)
        return self._pull_events()

    def _pull_events(self) -> list[ET.Element]:
        assert self._pull is not None
        found = []
        for event in self._pull.read_events():
            el: ET.Element = event[1]  # type: ignore[misc,assignment]  # "end": an element
            if el.tag == OBJECTS:
                found.append(el)
            elif el.tag == TOKEN:
                self._token = el.text
        return found


def _wrapper_for(prologue: bytes) -> bytes | None:
    """The start tag of an element declaring every namespace the prologue declared, or None
    when the response is not of the shape the fast path knows."""
    encoding = _ENCODING.search(prologue)
    if encoding and encoding.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return None
    prefixes: dict[bytes, bytes] = {}
    default = None
    for prefix, uri in _NS_DECL.findall(prologue):
        if prefix:
            prefixes[prefix] = uri
        else:
            default = uri
    if default != VIM_NS:
        return None
    decls = b"".join(b' xmlns:%s="%s"' % item for item in prefixes.items())
    return b'<vcplan-page xmlns="urn:vim25"' + decls + b">"
