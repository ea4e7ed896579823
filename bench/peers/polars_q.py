#!/usr/bin/env python3
"""The polars peer of huifang's benchmark (issue 8).

Does only the simplest part of huifang's job, as an administrator would with polars:
complaints closed in the 3-day window ending on the bench date (the date itself and
the two days before), counted by department. Prints `department,complaints` lines
sorted by department, the same shape as duckdb_q.py, so run.sh can compare them.

    python polars_q.py DIR [--date 2026-11-23]

A lazy scan lets polars read only the three columns it needs and filter while it
reads; polars uses every core (2 on the reference machine), as a user would get.
"""
import argparse
import datetime as dt
import os
import sys

import polars as pl


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", help="directory holding orders.csv")
    ap.add_argument("--date", default="2026-11-23", help="bench date, YYYY-MM-DD")
    args = ap.parse_args()

    end = dt.datetime.fromisoformat(args.date) + dt.timedelta(days=1)  # exclusive
    start = end - dt.timedelta(days=3)

    # Every column read as text (no schema inference pass over the data); only the
    # complaints' closed_at values are then parsed as datetimes.
    result = (
        pl.scan_csv(os.path.join(args.dir, "orders.csv"), infer_schema=False)
        .filter(pl.col("kind") == "complaint")
        .with_columns(pl.col("closed_at").str.to_datetime("%Y-%m-%d %H:%M", strict=False))
        .filter(pl.col("closed_at").is_between(start, end, closed="left"))
        .group_by("department")
        .agg(pl.len().alias("complaints"))
        .sort("department")
        .collect()
    )
    out = sys.stdout
    out.write("department,complaints\n")
    for department, n in result.iter_rows():
        out.write(f"{department},{n}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
