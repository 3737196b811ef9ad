"""The page fetcher finds each page's token in the bytes outside the `objects` elements, as
they go by, to ask for the next page before the parser reaches the end of this one
(docs/performance.md#pipelined-pages): it finds what the parser finds, however the bytes come."""

from __future__ import annotations

import pytest

from providers.vsphere.page_fetch import TokenScan
from tests.unit.test_page_reader import prefixed_response, response


def scan(data: bytes, chunk: int) -> str | None:
    scanner = TokenScan()
    for i in range(0, len(data), chunk):
        scanner.feed(data[i : i + chunk])
    return scanner.close()


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 16])
@pytest.mark.parametrize("token_first", [True, False])
def test_the_token_is_found_before_or_after_the_objects(chunk: int, token_first: bool) -> None:
    assert scan(response(40, "page-2", token_first), chunk) == "page-2"


@pytest.mark.parametrize("chunk", [1, 64])
def test_the_last_page_has_no_token(chunk: int) -> None:
    assert scan(response(40), chunk) is None


def test_an_empty_result_has_no_token() -> None:
    assert scan(response(0), 5) is None


def test_an_empty_result_with_a_token_keeps_it() -> None:
    assert scan(response(0, "more"), 5) == "more"


def test_prefixed_elements_are_scanned_too() -> None:
    data = prefixed_response(3).replace(b"<v:returnval>", b"<v:returnval><v:token>t7</v:token>")
    assert scan(data, 11) == "t7"
