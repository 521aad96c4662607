"""The DCC's side of the HAN: GBCS commands built from Service Requests, device jobs, the device state
store, the DCC's processing of device Responses, and the routing of device alerts to Users."""
