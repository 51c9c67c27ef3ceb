"""Consumers of the event queue: the push worker and the outbox sweeper."""
