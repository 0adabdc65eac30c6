#!/usr/bin/env python3
"""Write a JSON-lines file of synthetic review messages for the reference harnesses.

The Swift engine benchmark writes its input with `ReviewGenerator` (EddyWorkload) and passes the
path to `flink_tumbling.py` / `orjson_loop.py`, so all three measure the very same bytes. This
script exists for running the references on their own: it produces the same shape of data
(the Amazon Customer Reviews fields typed as Eddy types them, plus `event_time` in epoch ms
advancing by 1/rate per record, the same category weights and J-shaped ratings), not the same
bytes.

    python3 make_reviews.py --count 1000000 --out /tmp/reviews.jsonl
"""
import argparse
import datetime
import json
import random

CATEGORIES = [
    ("Books", 24, ["Mystery Novel", "Cookbook", "Biography", "Thriller"]),
    ("Electronics", 16, ["Wireless Headphones", "Bluetooth Speaker", "USB-C Charger"]),
    ("Home", 13, ['Picture Frame 8"x10"', "Bath Towel", "Table Lamp"]),
    ("Apparel", 10, ["Crew T-Shirt", "Hoodie", "Rain Jacket"]),
    ("Beauty", 9, ["Moisturizing Cream", "Lip Balm", "Sunscreen SPF 50"]),
    ("Toys", 8, ["Building Set", "Board Game", "Plush Bear"]),
    ("Sports", 7, ["Yoga Mat", "Water Bottle", "Camping Tent"]),
    ("Grocery", 6, ["Ground Coffee, 12 oz", "Green Tea", "Trail Mix"]),
    ("Kitchen", 4, ["Cast Iron Skillet", "Chef's Knife"]),
    ("Video Games", 3, ["Racing Game", "Wireless Controller"]),
]
RATING_WEIGHTS = [10, 6, 9, 19, 56]
TEXT = {
    5: ("Love it", "I love this product. Absolutely perfect, exactly what I wanted! Highly recommend it."),
    4: ("Very good", "Really good overall. Works well, though the instructions could be clearer."),
    3: ("It's okay", "It's okay, nothing special. Decent quality but a bit overpriced."),
    2: ("Disappointed", "I was disappointed. It works, but not well. Not worth the money."),
    1: ("Terrible", "Terrible, do not buy. It broke after a week. Complete waste of money :("),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second of event time")
    parser.add_argument("--start-millis", type=int, default=1_795_500_000_000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    names = [c[0] for c in CATEGORIES]
    weights = [c[1] for c in CATEGORIES]
    products = {c[0]: c[2] for c in CATEGORIES}
    interval = 1000.0 / args.rate
    with open(args.out, "w", encoding="utf-8") as out:
        for n in range(args.count):
            event_time = args.start_millis + int(n * interval)
            category = rng.choices(names, weights)[0]
            rank = min(1999, int(rng.paretovariate(1.07)) - 1)
            rating = rng.choices(range(1, 6), RATING_WEIGHTS)[0]
            total = 0 if rng.random() < 0.55 else 1 + int(rng.expovariate(0.4))
            headline, body = TEXT[rating]
            record = {
                "marketplace": "US",
                "customer_id": rng.randrange(10_000_000, 53_000_000),
                "review_id": "R%013X" % rng.getrandbits(52),
                "product_id": "B0%02d%06d" % (names.index(category), rank),
                "product_parent": rng.randrange(100_000_000, 1_000_000_000),
                "product_title": products[category][rank % len(products[category])],
                "product_category": category,
                "star_rating": rating,
                "helpful_votes": rng.randint(0, total),
                "total_votes": total,
                "vine": "N",
                "verified_purchase": "Y" if rng.random() < 0.82 else "N",
                "review_headline": headline,
                "review_body": body,
                "review_date": datetime.datetime.fromtimestamp(event_time / 1000, datetime.timezone.utc).strftime("%Y-%m-%d"),
                "event_time": event_time,
            }
            out.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
            out.write("\n")


if __name__ == "__main__":
    main()
