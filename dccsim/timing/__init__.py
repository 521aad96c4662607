"""Time in the DCC: the clock every part reads, and what runs when it comes due (DCC schedules, device
timers)."""
