"""Rank the trained configurations of a device run; print a table; name the one to keep.

Full-pass configurations start with F, light-pass ones with L. The light model is kept
when it is within 1.0 of the best full model's selection total and above the GENEVA floors
(trigger classification 78.2, argument classification 49.4); otherwise the full one.
"""

import json
import sys
from pathlib import Path

from workers.tagger.selection import selection_total

work = Path(sys.argv[1])
rows = {}
for meta in sorted(work.glob("*/newsevents.json")):
    data = json.loads(meta.read_text())
    scores = data.get("scores", {})
    if "val" not in scores:
        continue
    val, news = scores["val"], scores.get("news_dev", {})
    rows[meta.parent.name] = {
        "epoch": data.get("training", {}).get("best_epoch"),
        "trig": val["trigger_classification"]["f1"],
        "arg": val["argument_classification"]["f1"],
        "argG": val["argument_classification_gold_triggers"]["f1"],
        "plover": news.get("category_macro_f1"),
        "actor": news.get("actor", {}).get("f1"),
        "recip": news.get("recipient", {}).get("f1"),
        "total": round(selection_total(scores), 2),
    }
print(f"{'config':<8}" + "".join(f"{k:>9}" for k in next(iter(rows.values()), {})))
for name, row in rows.items():
    print(f"{name:<8}" + "".join(f"{v!s:>9}" for v in row.values()))
full = max((n for n in rows if n.startswith("F")), key=lambda n: rows[n]["total"], default=None)
light = max((n for n in rows if n.startswith("L")), key=lambda n: rows[n]["total"], default=None)
chosen = full
if light and (
    full is None
    or (
        rows[light]["total"] >= rows[full]["total"] - 1.0
        and rows[light]["trig"] >= 78.2
        and rows[light]["arg"] >= 49.4
    )
):
    chosen = light
print(f"best full: {full}, best light: {light}, kept: {chosen}")
(work / "chosen").write_text(chosen or "")
(work / "full").write_text(full or "")
