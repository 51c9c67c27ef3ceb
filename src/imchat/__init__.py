"""imchat: real-time instant messaging over one GraphQL endpoint."""

__version__ = "0.1.0"
