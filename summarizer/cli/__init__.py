"""The command line: thin commands over the Python API, and how results look on a terminal."""

from summarizer.cli.app import app

__all__ = ["app"]
