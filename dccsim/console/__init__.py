"""The training console: a web page on the admin port that shows Service Requests as they flow (DUIS, GBCS, the
Responses and alerts and their delivery), the estate's devices as they change, and sends requests as any user."""
