"""The running simulator: its settings, the wiring of its parts, its processes and its admin API."""
