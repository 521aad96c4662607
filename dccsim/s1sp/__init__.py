"""The emulated SMETS1 Service Provider (S1SP) behind the DCC: Service Requests for SMETS1 devices are
validated by the DCC, carried out by the S1SP on SMETS1 device models (``devices.smets1``), answered with a
SMETS1 Response the S1SP signs and the DCC countersigns. No GBCS on this leg."""
