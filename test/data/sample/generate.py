#!/usr/bin/env python3
"""Generate the crm_profile sample shop dataset (test/data/sample/*.csv).

Run once at development time from the repository root:

    python3 test/data/sample/generate.py

It reads only the public data shipped in test/data/ (febrl, nicknames,
names_zh, retail) and ICU's command-line tool `uconv` (Debian icu-devtools)
for traditional Chinese and pinyin spellings.  All randomness comes from one
seeded random.Random, and every input is read in file order, so two runs
write byte-identical files.  The demo and the tests never run this script:
they read the committed CSV files.

What is real and what is synthetic is described in PROVENANCE.md.
"""

import csv
import datetime as dt
import os
import random
import subprocess
import sys

SEED = 20261123
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
CHANNELS = ["web", "app", "store", "callcenter"]
N_ZH_PERSONS = 1500
N_NICKNAME_VARIANTS = 350
FIRST_CUSTOMER_ID = 100001

rng = random.Random(SEED)


def uconv(transform, lines):
    """Run ICU uconv with TRANSFORM over LINES (one result per line)."""
    out = subprocess.run(["uconv", "-f", "utf-8", "-t", "utf-8", "-x", transform],
                         input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout
    res = out.split("\n")[:len(lines)]
    assert len(res) == len(lines)
    return res


# ---------------------------------------------------------------- persons
# A person is a dict: pid, kind, and the true attributes; records are the
# customer rows that person has in the shop, each with its own spelling.

def read_febrl():
    rows = []
    with open(os.path.join(DATA, "febrl", "dataset2.csv"), newline="") as f:
        for r in csv.DictReader(f, skipinitialspace=True):
            rows.append({k.strip(): (v or "").strip() for k, v in r.items()})
    return rows


def read_nicknames():
    nick = {}
    with open(os.path.join(DATA, "nicknames", "names.csv"), newline="") as f:
        for r in csv.DictReader(f):
            n = r["name2"].strip()
            if 3 <= len(n) <= 6:
                nick.setdefault(r["name1"].strip(), []).append(n)
    return nick


def parse_febrl_dob(s):
    try:
        d = dt.date(int(s[0:4]), int(s[4:6]), int(s[6:8]))
    except (ValueError, IndexError):
        return None
    # a shop customer is born between 1930 and 2006: febrl's generator
    # spreads years from 1900 to 1999, shift the old ones by 30 years
    if d.year < 1930:
        try:
            d = d.replace(year=d.year + 30)
        except ValueError:
            return None
    return d


def au_mobile():
    return "04%08d" % rng.randrange(10 ** 8)


def au_phone_format(p):
    """One of the ways an Australian mobile is typed."""
    k = rng.randrange(5)
    if k == 0:
        return p
    if k == 1:
        return "%s %s %s" % (p[0:4], p[4:7], p[7:10])
    if k == 2:
        return "+61 %s %s %s" % (p[1:4], p[4:7], p[7:10])
    if k == 3:
        return "+61" + p[1:]
    return "(04) %s %s" % (p[2:6], p[6:10])


LATIN_DOMAINS = ["gmail.com", "gmail.com", "bigpond.com", "outlook.com",
                 "yahoo.com.au", "hotmail.com"]


def email_variant(local, domain, allow_dots=True):
    """Typing variants of one mailbox: case, Gmail dots and +tags, spaces."""
    k = rng.randrange(6)
    if domain == "gmail.com" and allow_dots and k == 0 and len(local) > 3:
        i = rng.randrange(1, len(local) - 1)
        local = local[:i] + "." + local[i:]
    elif domain == "gmail.com" and k == 1:
        local = local + "+shop"
    elif k == 2:
        return (local + "@" + domain).upper()
    elif k == 3:
        return local.capitalize() + "@" + domain.capitalize()
    elif k == 4:
        return " " + local + "@" + domain + " "
    return local + "@" + domain


def latin_name(given, surname, channel):
    g, s = given.strip(), surname.strip()
    if channel == "store":
        return (s.upper() + ", " + g.title()).strip(", ") if g else s.upper()
    if channel == "callcenter":
        return (g + " " + s).strip()
    return (g.title() + " " + s.title()).strip()


def build_latin(persons, records):
    febrl = read_febrl()
    nick = read_nicknames()
    groups = {}
    for r in febrl:
        n = int(r["rec_id"].split("-")[1])
        groups.setdefault(n, []).append(r)
    for n in sorted(groups):
        recs = sorted(groups[n], key=lambda r: (not r["rec_id"].endswith("org"), r["rec_id"]))
        org = recs[0]
        domain = rng.choice(LATIN_DOMAINS)
        g = org["given_name"] or "x"
        local = rng.choice([g + "." + org["surname"], g + org["surname"],
                            g[0] + org["surname"], g + org["surname"] + str(rng.randrange(10, 99))])
        local = local.replace(" ", "").replace("'", "")
        p = {"pid": "febrl-%d" % n, "kind": "latin", "phone": au_mobile(),
             "local": local, "domain": domain}
        persons.append(p)
        chans = CHANNELS[:]
        rng.shuffle(chans)
        for i, r in enumerate(recs):
            ch = chans[i % 4]
            records.append(latin_record(p, r, r["given_name"], ch,
                                        "febrl_org" if i == 0 else "febrl_dup"))
        # a nickname spelling of the same person in yet another channel
        p["nick"] = nick.get(org["given_name"])
    cands = [p for p in persons if p.get("nick")]
    chosen = rng.sample(cands, min(N_NICKNAME_VARIANTS, len(cands)))
    chosen.sort(key=lambda p: int(p["pid"].split("-")[1]))
    org_by_pid = {}
    for rec in records:
        if rec["source"] == "febrl_org":
            org_by_pid[rec["pid"]] = rec
    for p in chosen:
        org = org_by_pid[p["pid"]]
        used = {rec["channel"] for rec in records if rec["pid"] == p["pid"]}
        free = [c for c in CHANNELS if c not in used] or CHANNELS
        ch = rng.choice(free)
        fr = dict(org["febrl"])
        records.append(latin_record(p, fr, rng.choice(p["nick"]), ch, "nickname"))


def latin_record(p, r, given, ch, source):
    dob = parse_febrl_dob(r["date_of_birth"])
    addr = " ".join(x for x in [r["street_number"], r["address_1"].title()] if x)
    if r["address_2"]:
        addr = (addr + ", " if addr else "") + r["address_2"].title()
    phone = au_phone_format(p["phone"]) if rng.random() < 0.85 else None
    email = None
    if ch in ("web", "app") or rng.random() < 0.4:
        email = email_variant(p["local"], p["domain"])
    return {"pid": p["pid"], "source": source, "channel": ch, "febrl": r,
            "full_name": latin_name(given, r["surname"], ch),
            "phone": phone, "email": email, "birth_date": dob,
            "address": addr or None, "city": r["suburb"].title() or None,
            "postcode": r["postcode"] or None}


# ---------------------------------------------------------------- Chinese
ZH_CITIES = [("北京", "100000"), ("上海", "200000"), ("广州", "510000"),
             ("深圳", "518000"), ("杭州", "310000"), ("成都", "610000"),
             ("武汉", "430000"), ("南京", "210000"), ("西安", "710000"),
             ("重庆", "400000"), ("天津", "300000"), ("苏州", "215000")]
ZH_ROADS = ["中山路", "人民路", "解放路", "建设路", "和平路", "南京路", "淮海路",
            "长安街", "解放大道", "科技园路", "东风路", "文化路", "新华路", "青年路"]
# surname readings that differ from the character's common reading
SURNAME_PINYIN = {"单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou",
                  "朴": "piao", "查": "zha", "盖": "ge", "尉迟": "yuchi", "乐": "yue",
                  "覃": "qin", "繁": "po", "缪": "miao", "万俟": "moqi", "长孙": "zhangsun",
                  "折": "she", "员": "yun", "翟": "zhai", "召": "shao", "种": "chong"}
ZH_DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "sina.com", "foxmail.com"]


def read_surnames():
    out = []
    with open(os.path.join(DATA, "names_zh", "chinese_family_name_1k.csv"), newline="") as f:
        for r in csv.DictReader(f):
            out.append((r["surname"], float(r["tf"])))
    return out


def read_given_names(single_surnames):
    """Given names from the historical corpus: the name minus its surname."""
    given = []
    path = os.path.join(DATA, "names_zh", "Ancient_Names_Corpus_25W.txt")
    with open(path, encoding="utf-8-sig") as f:
        lines = [l.strip() for l in f][3:]
    for name in lines:
        if len(name) == 3 and name[0] in single_surnames:
            given.append(name[1:])
        elif len(name) == 2 and name[0] in single_surnames:
            given.append(name[1:])
    return given


def cn_mobile():
    return rng.choice(["13", "15", "18", "17", "19"]) + "%d%08d" % (
        rng.randrange(10), rng.randrange(10 ** 8))


def cn_phone_format(p):
    k = rng.randrange(6)
    if k == 0:
        return p
    if k == 1:
        return "%s %s %s" % (p[0:3], p[3:7], p[7:11])
    if k == 2:
        return "+86-%s-%s-%s" % (p[0:3], p[3:7], p[7:11])
    if k == 3:
        return "0086" + p
    if k == 4:
        return "+86 " + p
    return "%s-%s-%s" % (p[0:3], p[3:7], p[7:11])


def build_chinese(persons, records):
    surnames = read_surnames()
    single = {s for s, _ in surnames if len(s) == 1}
    # the corpus is mostly traditional: fold it to simplified first
    given_raw = sorted(set(read_given_names(single)))
    given_hans = uconv("Hant-Hans", given_raw)
    given = sorted({g for g in given_hans if all("\u4e00" <= c <= "\u9fff" for c in g)})
    given2 = [g for g in given if len(g) == 2]
    given1 = [g for g in given if len(g) == 1]
    weights = [w for _, w in surnames]
    people = []
    for i in range(N_ZH_PERSONS):
        s = rng.choices(surnames, weights=weights)[0][0]
        g = rng.choice(given2) if rng.random() < 0.75 else rng.choice(given1)
        people.append((s, g))
    # pinyin: per character (ICU reads a whole string as words), with
    # surname readings for the surname
    chars = sorted({c for s, g in people for c in s + g})
    py = dict(zip(chars, uconv("Han-Latin; Latin-ASCII", chars)))
    hans_lines = []
    for s, g in people:
        hans_lines.append(s + g)
    for c, _ in ZH_CITIES:
        hans_lines.append(c)
    for r in ZH_ROADS:
        hans_lines.append(r)
    hant = dict(zip(hans_lines, uconv("Hans-Hant", hans_lines)))
    for i, (s, g) in enumerate(people):
        sp = SURNAME_PINYIN.get(s) or "".join(py[c] for c in s)
        gp = "".join(py[c] for c in g)
        if rng.random() < 0.3:
            local = sp + gp + str(rng.randrange(1970, 2006))
        elif rng.random() < 0.3:
            local = str(rng.randrange(10 ** 6, 10 ** 10))    # a QQ number
        else:
            local = sp + "." + gp if rng.random() < 0.5 else gp + sp
        dom = "qq.com" if local.isdigit() else rng.choice(ZH_DOMAINS)
        city, pc = rng.choice(ZH_CITIES)
        road = rng.choice(ZH_ROADS)
        no = rng.randrange(1, 400)
        flat = "%d栋%d室" % (rng.randrange(1, 30), rng.randrange(101, 2800)) if rng.random() < 0.6 else ""
        dob = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(50 * 365))
        p = {"pid": "zh-%04d" % (i + 1), "kind": "zh", "hans": s + g,
             "hant": hant[s + g], "pinyin": (sp.capitalize(), gp.capitalize()),
             "phone": cn_mobile(), "local": local, "domain": dom,
             "city": city, "pc": pc, "road": road, "no": no, "flat": flat, "dob": dob}
        persons.append(p)
        n = rng.choices([1, 2, 3, 4], weights=[40, 35, 20, 5])[0]
        chans = CHANNELS[:]
        rng.shuffle(chans)
        scripts = ["hans"] + rng.sample(["hant", "pinyin", "hans", "pinyin"], 3)
        if rng.random() < 0.15:
            scripts[0] = "hant"      # a Hong Kong or Taiwan customer
        for k in range(n):
            records.append(zh_record(p, chans[k], scripts[k],
                                     hant, "zh_" + scripts[k]))


def zh_record(p, ch, script, hant, source):
    sp, gp = p["pinyin"]
    if script == "hans":
        name = p["hans"] if rng.random() < 0.85 else p["hans"][0] + " " + p["hans"][1:]
    elif script == "hant":
        name = p["hant"]
    else:
        k = rng.randrange(4)
        name = [sp + " " + gp, gp + " " + sp, sp.upper() + " " + gp, (sp + gp).lower()][k]
    phone = cn_phone_format(p["phone"]) if rng.random() < 0.9 else None
    if rng.random() < 0.04:
        phone = cn_phone_format(cn_mobile())        # changed number
    email = None
    if ch in ("web", "app") or rng.random() < 0.35:
        email = email_variant(p["local"], p["domain"])
    city, road = p["city"], p["road"]
    if script == "hant":
        city, road = hant[city], hant[road]
    if rng.random() < 0.3:
        addr = "%s %d 号 %s" % (road, p["no"], p["flat"])
    else:
        addr = "%s%d号%s" % (road, p["no"], p["flat"])
    if script == "hant":
        addr = addr.replace("号", "號").replace("栋", "棟")
    if rng.random() < 0.5:
        city = city + "市"
    dob = p["dob"]
    r = rng.random()
    if r < 0.2:
        dob = None
    elif r < 0.25 and dob.day <= 12 and dob.day != dob.month:
        dob = dob.replace(month=dob.day, day=dob.month)     # day/month swapped
    return {"pid": p["pid"], "source": source, "channel": ch, "full_name": name,
            "phone": phone, "email": email, "birth_date": dob,
            "address": addr.strip() if rng.random() < 0.8 else None,
            "city": city, "postcode": p["pc"] if rng.random() < 0.7 else None}


# ---------------------------------------------------------------- orders
def read_invoices():
    rows = []
    with open(os.path.join(DATA, "retail", "online_retail_invoices.csv"), newline="") as f:
        for r in csv.DictReader(f):
            rows.append(r)
    return rows


def shift_years(ts, years):
    return ts.replace(year=ts.year + years)


def main():
    persons, records = [], []
    build_latin(persons, records)
    build_chinese(persons, records)

    # customer ids: all records shuffled, so duplicates are not adjacent
    order = list(range(len(records)))
    rng.shuffle(order)
    for cid, i in enumerate(order, FIRST_CUSTOMER_ID):
        records[i]["customer_id"] = cid
    by_pid = {}
    for rec in sorted(records, key=lambda r: r["customer_id"]):
        by_pid.setdefault(rec["pid"], []).append(rec)

    # orders: every UCI retail customer becomes one person's purchase
    # history; some persons carry two retail customers a year apart
    inv = read_invoices()
    retail_ids = sorted({int(r["customer_id"]) for r in inv})
    shuffled = persons[:]
    rng.shuffle(shuffled)
    n_primary = 3300
    assign = {}
    offset_of = {}
    for k, rc in enumerate(retail_ids):
        if k < n_primary:
            p = shuffled[k]
            off = rng.randrange(10, 13)
        else:
            p = shuffled[rng.randrange(n_primary)]
            off = offset_of[p["pid"]] + 1
        offset_of.setdefault(p["pid"], off)
        assign[rc] = (p, off)
    orders = []
    dropped = 0
    for r in inv:
        amount = r["amount"]
        cancel = r["is_cancellation"] == "1"
        if not cancel and float(amount) <= 0:
            dropped += 1
            continue
        p, off = assign[int(r["customer_id"])]
        recs = by_pid[p["pid"]]
        rec = recs[0] if (len(recs) == 1 or rng.random() < 0.6) else rng.choice(recs[1:])
        ts = shift_years(dt.datetime.strptime(r["invoice_ts"], "%Y-%m-%d %H:%M:%S"), off)
        orders.append({"customer_id": rec["customer_id"], "ordered_at": ts,
                       "amount": amount, "status": "refunded" if cancel else "paid",
                       "invoice_no": r["invoice_no"], "channel": rec["channel"]})
    orders.sort(key=lambda o: (o["ordered_at"], o["invoice_no"]))
    first_order = {}
    for oid, o in enumerate(orders, 1):
        o["order_id"] = oid
        first_order.setdefault(o["customer_id"], o["ordered_at"])

    # created_at: before the record's first order, else some time in the
    # years the shop ran
    start = dt.datetime(2020, 6, 1)
    for rec in records:
        fo = first_order.get(rec["customer_id"])
        if fo is not None:
            rec["created_at"] = fo - dt.timedelta(minutes=rng.randrange(10, 90 * 24 * 60))
        else:
            rec["created_at"] = start + dt.timedelta(minutes=rng.randrange(4 * 365 * 24 * 60))

    # events: visits before orders, campaign e-mails, support tickets
    events = []
    visit_kind = {"web": "web_visit", "app": "app_open", "store": "store_visit",
                  "callcenter": "call"}
    for o in orders:
        for _ in range(rng.choice([0, 1, 1, 2])):
            events.append((o["customer_id"], o["ordered_at"] - dt.timedelta(
                minutes=rng.randrange(5, 7 * 24 * 60)), visit_kind[o["channel"]]))
        if o["status"] == "refunded" and rng.random() < 0.5:
            events.append((o["customer_id"], o["ordered_at"] + dt.timedelta(
                minutes=rng.randrange(5, 3 * 24 * 60)), "support_ticket"))
    campaigns = [dt.datetime(2020, 7, 1, 9, 0) + dt.timedelta(days=30 * k) for k in range(54)]
    for rec in sorted(records, key=lambda r: r["customer_id"]):
        if rec["email"] is None:
            continue
        for c in campaigns:
            if c < rec["created_at"] or rng.random() > 0.025:
                continue
            t = c + dt.timedelta(minutes=rng.randrange(0, 5 * 24 * 60))
            events.append((rec["customer_id"], t, "email_open"))
            if rng.random() < 0.3:
                events.append((rec["customer_id"], t + dt.timedelta(minutes=rng.randrange(1, 30)),
                               "email_click"))
        if rec["customer_id"] not in first_order and rec["channel"] in ("web", "app"):
            for _ in range(rng.randrange(0, 4)):
                events.append((rec["customer_id"], rec["created_at"] + dt.timedelta(
                    minutes=rng.randrange(1, 200 * 24 * 60)), visit_kind[rec["channel"]]))
    events.sort(key=lambda e: (e[1], e[0], e[2]))

    def ts(t):
        return t.strftime("%Y-%m-%d %H:%M:%S") + "+00"

    def opt(v):
        return "" if v is None else v

    with open(os.path.join(HERE, "customers.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer_id", "channel", "full_name", "phone", "email", "birth_date",
                    "address", "city", "postcode", "created_at"])
        for rec in sorted(records, key=lambda r: r["customer_id"]):
            w.writerow([rec["customer_id"], rec["channel"], rec["full_name"], opt(rec["phone"]),
                        opt(rec["email"]),
                        rec["birth_date"].isoformat() if rec["birth_date"] else "",
                        opt(rec["address"]), opt(rec["city"]), opt(rec["postcode"]),
                        ts(rec["created_at"])])
    with open(os.path.join(HERE, "orders.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["order_id", "customer_id", "ordered_at", "amount", "status"])
        for o in orders:
            w.writerow([o["order_id"], o["customer_id"], ts(o["ordered_at"]), o["amount"],
                        o["status"]])
    with open(os.path.join(HERE, "events.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["event_id", "customer_id", "happened_at", "kind"])
        for eid, (cid, t, kind) in enumerate(events, 1):
            w.writerow([eid, cid, ts(t), kind])
    with open(os.path.join(HERE, "truth.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer_id", "person_id", "source"])
        for rec in sorted(records, key=lambda r: r["customer_id"]):
            w.writerow([rec["customer_id"], rec["pid"], rec["source"]])
    print("persons %d, customers %d, orders %d (dropped %d non-positive purchases), events %d"
          % (len(persons), len(records), len(orders), dropped, len(events)), file=sys.stderr)


if __name__ == "__main__":
    main()
