"""The built web client (Vue, from web-embed/) and the routes that serve it."""
