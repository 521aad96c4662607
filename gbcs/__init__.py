"""GBCS wire format as a pure library: bytes in, typed messages out, and back."""
