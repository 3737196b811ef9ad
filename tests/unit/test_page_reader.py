"""The page reader cuts a RetrievePropertiesEx response into its `objects` elements as the bytes
arrive (docs/performance.md#the-page-reader): whatever the chunking, it finds what a whole-document
parse finds, and a response of another shape goes through the pull parser with the same result."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from providers.vsphere.pages import OBJECTS, PageReader

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
)


def vm(i: int, p: str = "") -> str:
    return (
        f'<{p}objects><{p}obj type="VirtualMachine">vm-{i}</{p}obj>'
        f"<{p}propSet><{p}name>name</{p}name>"
        f'<{p}val xsi:type="xsd:string">web-{i} &amp; caf\u00e9 \u2603</{p}val></{p}propSet>'
        f"<{p}propSet><{p}name>config.hardware.device</{p}name>"
        f'<{p}val xsi:type="ArrayOfVirtualDevice"><{p}VirtualDevice xsi:type="VirtualDisk">'
        f"<{p}key>{2000 + i}</{p}key></{p}VirtualDevice></{p}val></{p}propSet></{p}objects>"
    )


def response(count: int, token: str | None = None, token_first: bool = False) -> bytes:
    token_xml = f"<token>{token}</token>" if token else ""
    objects = "".join(vm(i) for i in range(count))
    inner = token_xml + objects if token_first else objects + token_xml
    body = (
        '<RetrievePropertiesExResponse xmlns="urn:vim25">'
        f"<returnval>{inner}</returnval></RetrievePropertiesExResponse>"
    )
    return ENVELOPE.format(body=body).encode()


def prefixed_response(count: int) -> bytes:
    objects = "".join(vm(i, "v:") for i in range(count))
    body = (
        '<v:RetrievePropertiesExResponse xmlns:v="urn:vim25">'
        f"<v:returnval>{objects}</v:returnval></v:RetrievePropertiesExResponse>"
    )
    return ENVELOPE.format(body=body).encode()


def shape(el: ET.Element) -> list[tuple[str, dict[str, str], str | None]]:
    return [(e.tag, dict(e.attrib), e.text) for e in el.iter()]


def read(
    data: bytes, chunk: int
) -> tuple[list[list[tuple[str, dict[str, str], str | None]]], str | None]:
    reader = PageReader()
    found = []
    for start in range(0, len(data), chunk):
        found += [shape(el) for el in reader.feed(data[start : start + chunk])]
    return found, reader.close()


def whole(data: bytes) -> list[list[tuple[str, dict[str, str], str | None]]]:
    return [shape(el) for el in ET.fromstring(data).iter(OBJECTS)]


@pytest.mark.parametrize("chunk", [1, 7, 100, 1 << 16])
def test_every_chunking_finds_what_a_whole_document_parse_finds(chunk: int) -> None:
    data = response(12, token="tok-1")
    found, token = read(data, chunk)
    assert found == whole(data)
    assert token == "tok-1"


@pytest.mark.parametrize("token_first", [False, True])
def test_the_token_is_found_before_or_after_the_objects(token_first: bool) -> None:
    _, token = read(response(3, token="next-page", token_first=token_first), 50)
    assert token == "next-page"


def test_the_last_page_has_no_token() -> None:
    assert read(response(3), 50)[1] is None


def test_an_empty_result_has_no_objects_and_no_token() -> None:
    assert read(response(0), 50) == ([], None)


def test_prefixed_elements_go_through_the_pull_parser_as_they_arrive() -> None:
    data = prefixed_response(400)  # well over the 64 KB in which an `<objects` is looked for
    reader = PageReader()
    found = []
    for start in range(0, len(data), 4096):
        found += [shape(el) for el in reader.feed(data[start : start + 4096])]
        if start > 1 << 17:
            assert found, "elements come as the bytes arrive, not all at the end"
    assert reader.elements_kept  # the pull parser's tree: the caller clears each element
    assert reader.close() is None
    assert found == whole(data)


def test_a_response_in_another_encoding_goes_through_the_pull_parser() -> None:
    data = response(2).decode().replace("UTF-8", "ISO-8859-1").encode("iso-8859-1", "replace")
    reader = PageReader()
    found = [shape(el) for el in reader.feed(data)]
    assert reader.elements_kept
    assert found == whole(data)
