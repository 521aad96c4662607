"""ASN.1 DER as lossless trees of TLV nodes (the payloads of the CS / CCS / GCS use cases, certificates).

A node is ``{"tag": hex, "children": [nodes]}`` (constructed) or ``{"tag": hex, "hex": content}``
(primitive), with ``"lw"`` when its length is written wider than needed. ``decode`` reads DER (or BER
lengths) into a list of nodes, ``MalformedMessage`` for bytes that are not; ``encode`` writes them back.
"""
from gbcs.payload.asn1 import decode, encode

__all__ = ["decode", "encode"]
