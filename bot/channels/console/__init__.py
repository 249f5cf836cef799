"""The console: an offline channel on a local database, for newcomers and tests."""
