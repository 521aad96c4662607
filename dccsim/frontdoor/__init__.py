"""The DUIS front door: HTTP endpoints, the validation pipeline and access control."""
