"""Caps on what one request to the explorer may ask for.

The explorer is a local app, but a page (or a script) can still send a request
that would tie up the server for minutes or exhaust its memory; every such size
is capped here, and a request over a cap gets a 4xx answer that names the cap.
"""

from __future__ import annotations

#: Largest request body accepted, in bytes (a model file is a few kB).
MAX_BODY_BYTES = 256 * 1024

#: Largest number of points along one axis of a phase diagram.
MAX_AXIS_POINTS = 1000

#: Largest number of points of a phase diagram (e.g. 500 x 500).
MAX_GRID_POINTS = 250_000

#: Largest number of sellers on the beach.
MAX_SELLERS = 24

#: Largest number of rounds of best-response dynamics.
MAX_ROUNDS = 200

#: Uploaded models kept in memory (the oldest is dropped first).
MAX_UPLOADED_MODELS = 16

#: Longest parameter or structure name accepted in a request.
MAX_NAME_LENGTH = 64
