"""Read an estate YAML file in one streaming pass: users, devices and CPL entries, one premises at a time.

Values are built from the C parser's events one ``premises`` (or top-level ``devices``) entry at a time, so a
file of a million devices never sits in memory; every entry is checked by the same functions as the
whole-file reader (``dccsim.estate.loader``), with the same messages.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import yaml
from yaml import events
from yaml._yaml import CParser
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from dccsim.estate.loader import NOT_A_MAPPING, EstateError, parse_cpl_entry, parse_device, parse_user
from dccsim.inventory.models import CplEntry, Device, User

# Top-level keys whose sequences are read entry by entry.
_STREAMED = ("premises", "devices")
_STR = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class DeviceEntry:
    """A device of the estate with its responsible parties: (device id, role, entity id)."""

    device: Device
    parties: list[tuple[str, str, str]]


EstateItem = User | DeviceEntry | CplEntry


class _Loader(CParser, Composer, SafeConstructor, Resolver):
    """PyYAML's C parser with the safe constructor's rules, building one value at a time from the events."""

    def __init__(self, stream: BinaryIO):
        CParser.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._values: dict[str, Any] = {}              # by anchor

    def value(self) -> Any:
        """The next value, as ``yaml.safe_load`` would construct it. Plain Python values are built from the
        events directly (the common case, several times faster than nodes); an explicitly tagged collection
        goes through the composer and constructor."""
        event = self.peek_event()
        if isinstance(event, events.CollectionStartEvent) and event.tag not in (None, "!"):
            return self.construct_document(self.compose_node(None, None))
        event = self.get_event()
        if isinstance(event, events.ScalarEvent):
            value = self._scalar(event)
        elif isinstance(event, events.SequenceStartEvent):
            value = []
            while not self.check_event(events.SequenceEndEvent):
                value.append(self.value())
            self.get_event()
        elif isinstance(event, events.MappingStartEvent):
            value = self._mapping()
        elif isinstance(event, events.AliasEvent):
            if event.anchor not in self._values:
                raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
            return self._values[event.anchor]
        else:
            raise ComposerError(None, None, f"expected a value, found {event}", event.start_mark)
        if event.anchor is not None:
            self._values[event.anchor] = value
        return value

    def _scalar(self, event: events.ScalarEvent) -> Any:
        tag = event.tag if event.tag not in (None, "!") else self.resolve(ScalarNode, event.value, event.implicit)
        if tag == _STR:
            return event.value
        return self.yaml_constructors.get(tag, SafeConstructor.construct_undefined)(
            self, ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style))

    def _mapping(self) -> dict:
        value: dict = {}
        merged: list[dict] = []
        while not self.check_event(events.MappingEndEvent):
            key_event = self.peek_event()
            if isinstance(key_event, events.ScalarEvent) and key_event.value == "<<" and key_event.implicit[0] \
                    and key_event.tag is None:
                self.get_event()                         # a merge key: its mapping(s) fill in missing keys
                found = self.value()
                merged.extend(found if isinstance(found, list) else [found])
                continue
            key = self.value()
            try:
                value[key] = self.value()
            except TypeError:
                raise ConstructorError("while constructing a mapping", None, "found unhashable key",
                                       key_event.start_mark) from None
        self.get_event()
        for extra in merged:
            for key, item in extra.items():
                value.setdefault(key, item)
        return value


def read_estate(path: Path) -> Iterator[EstateItem]:
    """Every user, device and CPL entry of an estate file, checked, in the order of the file."""
    with open(path, "rb") as stream:
        try:
            yield from _items(_Loader(stream))
        except yaml.YAMLError as exc:
            raise EstateError(f"{path}: not valid YAML: {exc}") from None


def _items(loader: _Loader) -> Iterator[EstateItem]:
    loader.get_event()                                   # stream start
    if loader.check_event(events.StreamEndEvent):
        raise EstateError(NOT_A_MAPPING)                 # an empty file
    loader.get_event()                                   # document start
    if not loader.check_event(events.MappingStartEvent):
        loader.value()                                   # a YAML error in it is reported first
        raise EstateError(NOT_A_MAPPING)
    loader.get_event()
    while not loader.check_event(events.MappingEndEvent):
        key = loader.value()
        if key in _STREAMED and loader.check_event(events.SequenceStartEvent):
            loader.get_event()
            yield from (_streamed(loader, key))
            loader.get_event()                           # sequence end
            continue
        value = loader.value()
        if key in _STREAMED:
            yield from _section(key, value or [])
        elif key == "users":
            yield from (parse_user(entry, i) for i, entry in enumerate(value or []))
        elif key == "cpl":
            yield from (parse_cpl_entry(entry, i) for i, entry in enumerate(value or []))


def _streamed(loader: _Loader, key: str) -> Iterator[EstateItem]:
    i = 0
    while not loader.check_event(events.SequenceEndEvent):
        yield from _section(key, [loader.value()], start=i)
        i += 1


def _section(key: str, entries: list, start: int = 0) -> Iterator[DeviceEntry]:
    """The devices of ``premises`` entries (each with its address) or of top-level ``devices`` entries."""
    for i, entry in enumerate(entries, start=start):
        if key == "devices":
            yield DeviceEntry(*parse_device(entry, i, {}))
            continue
        if not isinstance(entry, dict):
            raise EstateError(f"premises[{i}]: a premises is a mapping with its devices")
        for j, device in enumerate(entry.get("devices") or []):
            yield DeviceEntry(*parse_device(device, j, entry))
