"""The contents of a DLMS compact array as entries of plain values, and back: the codec is
``gbcs.compact_array``'s, named here for the semantic layer."""
from gbcs.compact_array import MAX_ENTRIES, contents_of, entries

__all__ = ["MAX_ENTRIES", "contents_of", "entries"]
