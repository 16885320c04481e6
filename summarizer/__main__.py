"""``python -m summarizer``: the command line."""

from summarizer.cli import app

app()
