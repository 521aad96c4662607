"""Service Request handlers, one module per group of Service Requests; ``dccsim.handlers.table`` holds
them all by variant."""
