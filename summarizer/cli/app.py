"""The ``summarizer`` command: the typer app and its commands, each a thin layer over the Python
API (``run`` in run.py; ``show``, ``runs``, ``schema``, ``merge`` in reading.py; ``export`` and
``eval`` in reports.py; ``batches`` in batches.py)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from summarizer import __version__
from summarizer.cli import reading
from summarizer.cli.batches import batches
from summarizer.cli.errors import out
from summarizer.cli.reports import eval_command, export
from summarizer.cli.run import run

app = typer.Typer(
    help="Summarise news articles into grounded, ACLED-style conflict-event records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: it joins a paragraph's source lines to the terminal's width, and its
    # two-column layout stays whole at 80 columns, where typer's rich panels (a column per
    # option name, negative flag and type) left the help text ~18 characters wide and cropped.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"summarizer {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Summarise news articles into grounded, ACLED-style conflict-event records.

    With no OPENAI_API_KEY and no --base-url, runs on the embedded local model (no key, no
    network). Results are printed as tables and, with --out, saved as JSON Lines.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


app.command()(run)
app.command()(reading.show)
app.command()(reading.runs)
app.command()(reading.schema)
app.command()(reading.merge)
app.command()(export)
app.command()(batches)
app.command(name="eval")(eval_command)


if __name__ == "__main__":
    app()
