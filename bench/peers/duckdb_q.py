#!/usr/bin/env python3
"""The DuckDB peer of huifang's benchmark (issue 8).

Does only the simplest part of huifang's job, as an administrator would with DuckDB:
complaints closed in the 3-day window ending on the bench date (the date itself and
the two days before), counted by department. Prints `department,complaints` lines
sorted by department, the same shape as polars_q.py, so run.sh can compare them.

    python duckdb_q.py DIR [--date 2026-11-23]

DuckDB uses every core (2 on the reference machine); that is what a user gets.
"""
import argparse
import datetime as dt
import os
import sys

import duckdb


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", help="directory holding orders.csv")
    ap.add_argument("--date", default="2026-11-23", help="bench date, YYYY-MM-DD")
    args = ap.parse_args()

    end = dt.date.fromisoformat(args.date) + dt.timedelta(days=1)  # exclusive
    start = end - dt.timedelta(days=3)
    path = os.path.join(args.dir, "orders.csv").replace("'", "''")

    # closed_at is typed explicitly so the result never depends on DuckDB's sniffer;
    # the other columns are left to it, as a user would.
    rows = duckdb.sql(
        f"""
        SELECT department, count(*) AS complaints
        FROM read_csv('{path}', header = true,
                      timestampformat = '%Y-%m-%d %H:%M',
                      types = {{'closed_at': 'TIMESTAMP'}})
        WHERE kind = 'complaint'
          AND closed_at >= TIMESTAMP '{start} 00:00'
          AND closed_at <  TIMESTAMP '{end} 00:00'
        GROUP BY department
        ORDER BY department
        """
    ).fetchall()
    out = sys.stdout
    out.write("department,complaints\n")
    for department, n in rows:
        out.write(f"{department},{n}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
