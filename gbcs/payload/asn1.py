"""ASN.1 DER as a lossless TLV tree (the CS / CCS / GCS use cases' payloads)."""
from __future__ import annotations

from typing import Any

from gbcs._reader import Reader
from gbcs.errors import MalformedMessage
from gbcs.lengths import encode_length, read_length

MAX_DEPTH = 32


def _read_tag(reader: Reader) -> bytes:
    first = reader.byte()
    tag = bytes([first])
    if first & 0x1F == 0x1F:
        while True:
            nxt = reader.byte()
            tag += bytes([nxt])
            if not nxt & 0x80:
                break
            if len(tag) > 5:
                raise MalformedMessage("ASN.1 tag too long")
    return tag


def decode_node(reader: Reader, depth: int = 0) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise MalformedMessage("ASN.1 nested too deeply")
    tag = _read_tag(reader)
    length, width = read_length(reader)
    content = reader.sub(length)
    node: dict[str, Any] = {"tag": tag.hex()}
    if width is not None:
        node["lw"] = width
    if tag[0] & 0x20:
        children = []
        while not content.at_end():
            children.append(decode_node(content, depth + 1))
        node["children"] = children
    else:
        node["hex"] = content.rest().hex()
    return node


def encode_node(node: dict[str, Any]) -> bytes:
    if "children" in node:
        body = b"".join(encode_node(c) for c in node["children"])
    else:
        body = bytes.fromhex(node["hex"])
    return bytes.fromhex(node["tag"]) + encode_length(len(body), node.get("lw")) + body


def decode(data: bytes) -> list[dict[str, Any]]:
    reader = Reader(data)
    nodes = []
    while not reader.at_end():
        nodes.append(decode_node(reader))
    return nodes


def encode(nodes: list[dict[str, Any]]) -> bytes:
    return b"".join(encode_node(n) for n in nodes)
