"""oasis-addin server."""
