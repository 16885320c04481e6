"""Check /tmp/indep20/gold.jsonl against the articles: every evidence string must occur
verbatim in its article; gold_ids unique; required fields present; dates ISO; values sane."""
import json, os, re, sys, datetime
BASE = os.path.dirname(os.path.abspath(__file__))
ART = os.path.join(BASE, "articles")
REQ = ["article_id", "gold_id", "plover_type", "actor1", "inter1", "location", "admin1",
       "geo_precision", "event_date", "time_precision", "fatalities", "evidence", "notes"]
SUB = {"Armed clash", "Government regains territory", "Non-state actor overtakes territory",
       "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
       "Remote explosive/landmine/IED", "Grenade", "Sexual violence", "Attack",
       "Abduction/forced disappearance", "Peaceful protest", "Protest with intervention",
       "Excessive force against protesters", "Violent demonstration", "Mob violence", "Agreement",
       "Arrests", "Change to group/activity", "Disrupted weapons use",
       "Headquarters or base established", "Looting/property destruction",
       "Non-violent transfer of territory", "Other"}
PLOVER = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
          "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}
errors, ids, per_article = [], set(), {}
articles = {f[:-4]: open(os.path.join(ART, f), encoding="utf-8").read()
            for f in sorted(os.listdir(ART)) if f.endswith(".txt")}
for n, line in enumerate(open(os.path.join(BASE, "gold.jsonl"), encoding="utf-8"), 1):
    g = json.loads(line)
    gid = g.get("gold_id")
    for k in REQ:
        if k not in g:
            errors.append(f"{gid}: missing field {k}")
    if gid in ids:
        errors.append(f"{gid}: duplicate gold_id")
    ids.add(gid)
    aid = g["article_id"]
    if aid not in articles:
        errors.append(f"{gid}: no article {aid}.txt"); continue
    text = articles[aid]
    if g["evidence"] not in text:
        errors.append(f"{gid}: evidence NOT verbatim in {aid}")
    if "sub_event_type" in g and g["sub_event_type"] not in SUB:
        errors.append(f"{gid}: unknown sub_event_type {g['sub_event_type']}")
    for p in [g["plover_type"]] + g.get("plover_type_alt", []):
        if p not in PLOVER:
            errors.append(f"{gid}: unknown plover_type {p}")
    try:
        datetime.date.fromisoformat(g["event_date"])
    except Exception:
        errors.append(f"{gid}: bad event_date {g['event_date']}")
    lo, hi, f = g.get("fatalities_low"), g.get("fatalities_high"), g["fatalities"]
    if lo is not None and f != lo:
        errors.append(f"{gid}: ACLED fatalities should equal the low end of the range")
    if lo is not None and hi is not None and lo > hi:
        errors.append(f"{gid}: low > high")
    if g["geo_precision"] not in (1, 2, 3) or g["time_precision"] not in (1, 2, 3):
        errors.append(f"{gid}: bad precision")
    per_article.setdefault(aid, [0, 0])[1 if g.get("optional") else 0] += 1
for aid, text in articles.items():
    words = len(text.split())
    lines = text.split("\n")
    if not (150 <= words <= 450):
        errors.append(f"{aid}: {words} words (want 150-450)")
    if len(lines) < 3 or lines[1].strip() != "":
        errors.append(f"{aid}: first line must be headline followed by a blank line")
    req, opt = per_article.get(aid, [0, 0])
    print(f"{aid:32s} {words:4d} words  {req} required + {opt} optional events")
print(f"{len(articles)} articles, {len(ids)} events "
      f"({sum(v[0] for v in per_article.values())} required, {sum(v[1] for v in per_article.values())} optional)")
if errors:
    print("ERRORS:"); [print("  " + e) for e in errors]; sys.exit(1)
print("OK: all evidence strings occur verbatim in their articles; ids unique; fields valid.")
