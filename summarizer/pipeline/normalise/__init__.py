"""Pure, offline normalisation of what the LLM copied out of an article.

Each module takes words as written and returns a typed record; none calls an LLM or the network,
and none reads the clock:

* ``dates.resolve_date``        "on Saturday" + publication date -> ``EventDate``
* ``places.resolve_place``      "the village of al-Zara" + context -> ``PlaceMatch`` (a ``Place``)
* ``actors.normalise_actor``    "Assad's forces" -> ``Actor`` ("Military Forces of Syria")
* ``fatalities.parse_fatalities`` "at least 19" -> ``Fatalities`` (UCDP low/best/high, ACLED)

The editable tables live in ``data/`` (place and actor aliases, Syrian governorates).
"""

from summarizer.pipeline.normalise.actors import normalise_actor
from summarizer.pipeline.normalise.dates import resolve_date
from summarizer.pipeline.normalise.fatalities import headline_restatement, parse_fatalities
from summarizer.pipeline.normalise.gazetteer import Gazetteer, GazetteerError
from summarizer.pipeline.normalise.places import PlaceMatch, resolve_place, share_admin1

__all__ = [
    "Gazetteer",
    "GazetteerError",
    "PlaceMatch",
    "headline_restatement",
    "normalise_actor",
    "parse_fatalities",
    "resolve_date",
    "resolve_place",
    "share_admin1",
]
