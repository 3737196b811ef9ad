"""The page reader cuts the devices that are neither disk nor NIC out of a batch before it is
parsed (docs/performance.md#the-page-reader): the records are those of the whole parse, and
anything not written exactly as a device of the WSDL's arrays is left for the parser."""

from __future__ import annotations

import pytest

from providers.vsphere.pages import PageReader
from providers.vsphere.wire import _records_from_xml, without_other_devices

VCSIM_XSI = 'xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance"'
DECLARED = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
)


def device(kind: str, body: str, p: str = "xsi") -> str:
    return f'<VirtualDevice {p}:type="{kind}">{body}</VirtualDevice>'


IDE = device("VirtualIDEController", "<key>200</key><busNumber>0</busNumber>")
PS2 = device("VirtualPS2Controller", "<key>300</key><device>600</device><device>700</device>")
DISK = device(
    "VirtualDisk",
    "<key>2000</key><controllerKey>1000</controllerKey><unitNumber>0</unitNumber>"
    "<capacityInKB>1048576</capacityInKB>",
)
NIC = device(
    "VirtualVmxnet3",
    '<key>4000</key><backing xsi:type="VirtualEthernetCardNetworkBackingInfo">'
    '<deviceName>VM Network</deviceName><network type="Network">network-7</network>'
    "</backing><controllerKey>100</controllerKey><unitNumber>7</unitNumber>",
)


def page(devices: str, head: str = DECLARED, val_attrs: str = "") -> bytes:
    objects = (
        '<objects><obj type="VirtualMachine">vm-1</obj><propSet><name>name</name>'
        '<val xsi:type="xsd:string">web</val></propSet>'
        "<propSet><name>config.hardware.device</name>"
        f'<val {val_attrs}xsi:type="ArrayOfVirtualDevice">{devices}</val></propSet></objects>'
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}'
        f'<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>{objects}</returnval>'
        "</RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"
    ).encode()


def records(data: bytes, pruned: bool) -> list[tuple[str, dict]]:
    reader = PageReader(without_other_devices if pruned else None)
    found = [_records_from_xml(el) for el in reader.feed(data)]
    reader.close()
    return found


def kinds(data: bytes) -> list[str]:
    ((_, props),) = records(data, pruned=True)
    return [d.kind for d in props["config.hardware.device"]]


@pytest.mark.parametrize(
    "data",
    [
        page(IDE + DISK + PS2 + NIC + IDE),
        page(DISK + NIC),
        page(IDE + PS2),
        page(""),
        # vcsim declares the XML Schema instance prefix on every val, under its own name
        page(
            (IDE + DISK + NIC).replace("xsi:", "XMLSchema-instance:"),
            val_attrs=f"{VCSIM_XSI} ",
        ),
    ],
)
def test_pruned_batches_give_the_disks_and_nics_of_the_whole_parse(data: bytes) -> None:
    whole = records(data, pruned=False)
    pruned = records(data, pruned=True)
    for (_, p), (_, w) in zip(pruned, whole, strict=True):
        assert p["config.hardware.device"] == [
            d for d in w["config.hardware.device"] if d.kind != "other"
        ]
        assert {k: v for k, v in p.items() if k != "config.hardware.device"} == {
            k: v for k, v in w.items() if k != "config.hardware.device"
        }


def test_the_other_devices_never_reach_the_parser() -> None:
    assert kinds(page(IDE + DISK + PS2 + NIC)) == ["disk", "nic"]


def test_a_device_whose_prefix_is_not_the_schema_instance_namespace_is_parsed() -> None:
    head = DECLARED.replace(">", ' xmlns:t="urn:other">', 1)
    assert kinds(page(device("VirtualIDEController", "<key>1</key>", p="t"), head)) == ["other"]


def test_a_device_tag_with_more_attributes_is_parsed() -> None:
    odd = IDE.replace('type="VirtualIDEController"', 'type="VirtualIDEController" id="x"')
    assert kinds(page(odd + DISK)) == ["other", "disk"]


def test_a_batch_with_a_comment_is_parsed_whole() -> None:
    assert kinds(page(IDE + "<!-- a note -->" + DISK)) == ["other", "disk"]
