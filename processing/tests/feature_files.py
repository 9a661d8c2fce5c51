"""Test helpers: curated partitions written the way core/ writes them, and feature rows read back."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "features" / "golden.json"
HEADER = "date,open,high,low,close,adj_close,volume"
TOLERANCE = 1e-9


def load_golden() -> dict:
    return json.loads(GOLDEN.read_text())


def write_curated(root: Path, bars: dict[str, list[list]]) -> None:
    """curated/symbol=S/year=Y/month=M/bars.csv, as core/data/partitions.ts lays them out.
    repr() prints the shortest string that reads back as the same double (as JS does)."""
    months: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for symbol, rows in bars.items():
        for date, *values in rows:
            cells = [repr(float(v)) for v in values[:-1]] + [str(int(values[-1]))]
            months[(symbol, date[:4], date[5:7])].append(",".join([date, *cells]))
    for (symbol, year, month), lines in months.items():
        path = root / "curated" / f"symbol={symbol}" / f"year={year}" / f"month={month}" / "bars.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([HEADER, *lines]) + "\n")


def read_output(output: Path, version: int) -> dict[str, list[list]]:
    """The job's CSV partitions back as rows per symbol (empty cell -> None), by date."""
    out: dict[str, list[list]] = {}
    for part in sorted((output / f"feature_version={version}").glob("symbol=*")):
        rows: list[list] = []
        for file in sorted(part.glob("part-*.csv")):
            with file.open(newline="") as f:
                reader = csv.reader(f)
                next(reader)
                rows += [[r[0], *[None if c == "" else float(c) for c in r[1:]]] for r in reader]
        out[part.name.removeprefix("symbol=")] = sorted(rows, key=lambda r: r[0])
    return out


def frame_rows(features) -> dict[str, list[list]]:
    """A feature DataFrame collected as rows per symbol, by date."""
    out: dict[str, list[list]] = defaultdict(list)
    for r in features.orderBy("symbol", "date").collect():
        out[r["symbol"]].append([r[c] for c in features.columns if c != "symbol"])
    return dict(out)


def max_diff(expected: list[list], actual: list[list], where: str) -> float:
    """Largest |expected - actual|; asserts equal dates and the same missing cells first."""
    assert len(actual) == len(expected), f"{where}: {len(actual)} rows, expected {len(expected)}"
    worst = 0.0
    for e, a in zip(expected, actual):
        assert a[0] == e[0], f"{where}: date {a[0]}, expected {e[0]}"
        for col, (x, y) in enumerate(zip(e[1:], a[1:]), start=1):
            assert (x is None) == (y is None), f"{where} {e[0]} column {col}: {y!r}, expected {x!r}"
            if x is not None:
                worst = max(worst, abs(x - y))
    return worst
