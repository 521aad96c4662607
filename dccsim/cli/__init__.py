"""The ``dccsim`` command line."""
