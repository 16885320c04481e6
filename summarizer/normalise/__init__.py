"""Pure, offline normalisation of what the LLM copied out of an article.

Each module takes words as written and returns a typed record; none calls an LLM or the network,
and none reads the clock:

* ``dates.resolve_date``        "on Saturday" + publication date -> ``EventDate``
* ``places.resolve_place``      "the village of al-Zara" + context -> ``PlaceMatch`` (a ``Place``)
* ``actors.normalise_actor``    "Assad's forces" -> ``Actor`` ("Military Forces of Syria")
* ``fatalities.parse_fatalities`` "at least 19" -> ``Fatalities`` (UCDP low/best/high, ACLED)

The editable tables live in ``data/`` (place and actor aliases, Syrian governorates).
"""

from summarizer.normalise.actors import normalise_actor
from summarizer.normalise.dates import resolve_date
from summarizer.normalise.fatalities import parse_fatalities
from summarizer.normalise.gazetteer import Gazetteer
from summarizer.normalise.places import PlaceMatch, resolve_place

__all__ = [
    "Gazetteer",
    "PlaceMatch",
    "normalise_actor",
    "parse_fatalities",
    "resolve_date",
    "resolve_place",
]
