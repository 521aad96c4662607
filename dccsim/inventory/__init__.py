"""The Smart Metering Inventory: DCC users, devices, responsibilities, CPL, schedules and counters."""
from dccsim.inventory.models import CplEntry, Device, DeviceStatus, DeviceType, User

__all__ = ["CplEntry", "Device", "DeviceStatus", "DeviceType", "User"]
