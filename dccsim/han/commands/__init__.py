"""GBCS commands for Service Requests: which use case a request becomes and the payload it carries."""
