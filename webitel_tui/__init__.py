"""Keyboard-driven Webitel user administration, the Creatio way."""

__version__ = "0.1.0"
