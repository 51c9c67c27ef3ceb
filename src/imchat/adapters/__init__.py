"""Connections to the outside: database, event queue and pub/sub, real or embedded."""
