"""Forms of the registry pages, one module per area (people, housing, flows, checks)."""
