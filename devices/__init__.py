"""Emulated smart-metering devices and the in-process HAN bus that connects them."""
