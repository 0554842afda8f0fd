"""Screens of the app; each module imports only what its screen needs."""
