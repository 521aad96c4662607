"""What leaves the DCC: the outbox that delivers Responses and Alerts to Users, and the message log."""
