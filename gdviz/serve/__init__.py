"""What a public server needs to stay up: cost estimates decided before work starts (``cost``),
caches bounded in bytes (``cache``) and a worker pool that runs long work in chunks, fairly, and
stops it when nobody waits (``jobs``). NumPy and the standard library only."""
