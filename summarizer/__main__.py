"""``python -m summarizer``: the command line."""

from summarizer.cli import app

# Guarded: the worker processes of a local Dask cluster (``--dask local:N``) are spawned, and
# re-import the main module; unguarded, each would run the command line again.
if __name__ == "__main__":
    app()
