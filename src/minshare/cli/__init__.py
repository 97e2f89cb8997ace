"""The ``minshare`` command: parses input, calls one library function, renders the result."""
