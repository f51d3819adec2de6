"""The one data key every benchmark uses (SHEQU_DATA_KEY encrypts identity numbers and health
facts at rest): a city loaded by one bench is read by the others, so they must agree. Never a
production key; a real deployment sets its own in the environment."""

BENCH_DATA_KEY = "bench-only-data-key-8c2e6a0f4d1b9375e7a3"
