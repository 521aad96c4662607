"""dccsim: a simulator of the DCC Data Systems (DUIS front door, inventory, SMKI, devices)."""

__version__ = "0.1.0"
