"""The Spark feature job against core/features: the committed golden (written by TypeScript),
random series through both implementations, and the divergences pinned one by one."""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import random
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import features_job
import pytest
from feature_files import (
    GOLDEN,
    TOLERANCE,
    frame_rows,
    load_golden,
    max_diff,
    read_output,
    write_curated,
)
from pyspark.sql import functions as F

ROOT = Path(__file__).resolve().parents[2]
JOB = ROOT / "processing" / "spark" / "features_job.py"
GOLDEN_DATA = load_golden()


def args(**kw) -> argparse.Namespace:
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in kw.items()]
    return features_job.parse_args(flags)


def test_golden_records_this_feature_version() -> None:
    # FEATURE_VERSION in core/features/featureTable.ts wrote the golden; the job must match it
    assert GOLDEN_DATA["feature_version"] == features_job.FEATURE_VERSION
    assert GOLDEN_DATA["columns"] == features_job.OUTPUT_COLUMNS


@pytest.mark.parametrize("case", GOLDEN_DATA["cases"], ids=lambda c: c["name"])
def test_job_reproduces_the_golden(spark, tmp_path: Path, case: dict) -> None:
    """Curated partitions in, partitioned CSV out (the job's whole path), to 1e-9."""
    write_curated(tmp_path, GOLDEN_DATA["bars"])
    o = case["options"]
    code = features_job.run(
        spark,
        args(
            input=tmp_path,
            output=tmp_path / "features",
            avg_price=o["avg_price"],
            volatility_window=o["volatility_window"],
            volume_window=o["volume_window"],
        ),
    )
    assert code == 0
    got = read_output(tmp_path / "features", features_job.FEATURE_VERSION)
    assert sorted(got) == sorted(case["features"])
    for symbol, expected in case["features"].items():
        assert max_diff(expected, got[symbol], f"{case['name']} {symbol}") <= TOLERANCE


def test_rerun_replaces_only_its_own_symbols(spark, tmp_path: Path) -> None:
    write_curated(tmp_path, GOLDEN_DATA["bars"])
    out = tmp_path / "features"
    assert features_job.run(spark, args(input=tmp_path, output=out)) == 0
    first = read_output(out, 1)
    assert features_job.run(spark, args(input=tmp_path, output=out, symbols="SYNB")) == 0
    again = read_output(out, 1)
    assert sorted(again) == ["SYNA", "SYNB"]  # SYNA's partition survived the SYNB-only run
    assert again == first
    assert len(list((out / "feature_version=1" / "symbol=SYNB").glob("part-*.csv"))) == 1


def test_missing_symbols_and_missing_data_fail(spark, tmp_path: Path, capsys) -> None:
    assert features_job.run(spark, args(input=tmp_path, output=tmp_path / "o")) == 1
    assert "cannot read" in capsys.readouterr().err
    write_curated(tmp_path, {"SYNA": GOLDEN_DATA["bars"]["SYNA"][:5]})
    assert features_job.run(spark, args(input=tmp_path, output=tmp_path / "o", symbols="SYNA,NOPE")) == 1
    assert "for NOPE" in capsys.readouterr().err


def test_job_is_python_3_9_the_emr_7_image_runs() -> None:
    ast.parse(JOB.read_text(), feature_version=(3, 9))


def test_bad_options_are_rejected(spark) -> None:
    bars = spark.createDataFrame([], "symbol string, date string, open double, high double, low double, close double, volume double")
    with pytest.raises(ValueError, match="avg_price: unknown formula 'high'"):
        features_job.feature_frame(bars, "high", 20, 20)
    with pytest.raises(ValueError, match="at least 2"):
        features_job.feature_frame(bars, "close", 1, 20)


# --- the usual sources of divergence, one test each -------------------------------------------


def _values_frame(spark, values: list[float], dates: list[str] | None = None):
    dates = dates or [(date(2024, 1, 1) + timedelta(days=i)).isoformat() for i in range(len(values))]
    rows = [("X", d, float(v)) for d, v in zip(dates, values)]
    return spark.createDataFrame(rows, "symbol string, date string, v double")


def test_std_is_the_sample_one(spark) -> None:
    rows = features_job._rolling_mean_std(_values_frame(spark, [1, 2, 4, 7, 11]), "v", 3, "w").orderBy("date").collect()
    m = 22 / 3
    sample = (((4 - m) ** 2 + (7 - m) ** 2 + (11 - m) ** 2) / 2) ** 0.5
    assert abs(rows[4]["w_std"] - sample) < 1e-14  # population (/3) would be 2.867…, not 3.511…
    assert abs(rows[2]["w_mean"] - 7 / 3) < 1e-14


def test_windows_count_rows_not_calendar_days(spark) -> None:
    # a 3-row window over sessions with a long gap still holds three values
    dates = ["2024-01-02", "2024-01-03", "2024-01-29", "2024-03-01"]
    rows = features_job._rolling_mean_std(_values_frame(spark, [1, 2, 3, 4], dates), "v", 3, "w").orderBy("date").collect()
    assert [r["w_mean"] for r in rows] == [None, None, 2.0, 3.0]


def test_incomplete_windows_are_null_not_partial(spark) -> None:
    # Spark's aggregates skip nulls; a window holding one must still be missing (TS: NaN)
    frame = _values_frame(spark, [1, 2, 3, 4, 5]).withColumn("v", F.when(F.col("date") != "2024-01-02", F.col("v")))
    rows = features_job._rolling_mean_std(frame, "v", 2, "w").orderBy("date").collect()
    assert [r["w_mean"] for r in rows] == [None, None, None, 3.5, 4.5]
    assert rows[3]["w_std"] == pytest.approx(0.5**0.5, abs=1e-15)


def test_missing_is_null_never_nan_or_infinite(spark) -> None:
    # identical volumes: std 0, so no z-score (TS: NaN; a plain division would give NaN or ±inf)
    bars = [("K", f"2024-02-{d:02d}", 10.0, 11.0, 9.0, 10.5, 10.5, 5000.0) for d in range(1, 8)]
    frame = spark.createDataFrame(bars, "symbol string, date string, open double, high double, low double, close double, adj_close double, volume double")
    rows = features_job.feature_frame(frame, "(high+low)/2", 2, 3).orderBy("date").collect()
    assert [r["log_volume_z"] for r in rows] == [None] * 7
    assert [r["log_return"] for r in rows[1:]] == [0.0] * 6
    assert rows[0]["log_return"] is None and rows[1]["volatility"] is None and rows[2]["volatility"] == 0.0


def test_dates_are_strings_whatever_the_session_time_zone(spark, tmp_path: Path) -> None:
    write_curated(tmp_path, {"SYNB": GOLDEN_DATA["bars"]["SYNB"]})
    spark.conf.set("spark.sql.session.timeZone", "Pacific/Kiritimati")  # UTC+14
    try:
        got = frame_rows(features_job.feature_frame(features_job.read_curated(spark, str(tmp_path)), "close", 5, 3))
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    assert [r[0] for r in got["SYNB"]] == [b[0] for b in GOLDEN_DATA["bars"]["SYNB"]]


def test_sums_in_order_stay_exact_with_a_large_offset(spark) -> None:
    # as test/features/featureTable.test.ts: 1e9 + (1, 2, 3) has std 1, no cancellation
    rows = features_job._rolling_mean_std(_values_frame(spark, [1e9 + 1, 1e9 + 2, 1e9 + 3]), "v", 3, "w").orderBy("date").collect()
    assert rows[2]["w_std"] == pytest.approx(1.0, abs=1e-9)


# --- differential: random series through TypeScript (node) and Spark ---------------------------


def random_bars(rng: random.Random, symbol_count: int) -> dict[str, list[list]]:
    out = {}
    for s in range(symbol_count):
        day = date(1998, 1, 2) + timedelta(days=rng.randrange(9000))
        price = 10 ** rng.uniform(-1, 3)
        rows = []
        volume_run = 0
        for _ in range(rng.randrange(2, 420)):
            while day.weekday() >= 5 or rng.random() < 0.03:  # weekends and holiday-like gaps
                day += timedelta(days=1)
            open_ = price * math.exp(rng.gauss(0, 0.01))
            price = open_ * math.exp(rng.gauss(0, rng.choice([0.005, 0.02, 0.08])))
            high = max(open_, price) * (1 + rng.random() * 0.02)
            low = min(open_, price) * (1 - rng.random() * 0.02)
            if rng.random() < 0.3:  # some series in cents, as Yahoo's old CSVs
                open_, high, low, price = (round(v, 2) or 0.01 for v in (open_, high, low, price))
                high, low = max(high, open_, price), min(low, open_, price)
            if volume_run == 0 and rng.random() < 0.02:
                volume_run, held = rng.randrange(2, 30), rng.randrange(0, 10**7)
            volume = held if volume_run else (0 if rng.random() < 0.01 else rng.randrange(1, 10**8))
            volume_run = max(0, volume_run - 1)
            rows.append([day.isoformat(), open_, high, low, price, price, volume])
            day += timedelta(days=1)
        out[f"R{s:02d}"] = rows
    return out


def typescript_features(bars: dict, cases: list[dict]) -> list[dict]:
    node = shutil.which("node")
    assert node is not None, "node is not on PATH (the vitest wrapper puts its own node there)"
    r = subprocess.run(
        [node, "scripts/featureTableJson.ts"],
        cwd=ROOT,
        input=json.dumps({"bars": bars, "cases": cases}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["cases"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_series_match_typescript(spark, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    bars = random_bars(rng, 6)
    options = {
        "avg_price": rng.choice(sorted(features_job.AVG_PRICE_FORMULAS)),
        "volatility_window": rng.choice([2, 3, rng.randrange(4, 60)]),
        "volume_window": rng.choice([2, rng.randrange(3, 60)]),
    }
    expected = typescript_features(bars, [{"name": f"seed {seed}", "options": options}])[0]["features"]
    write_curated(tmp_path, bars)
    frame = features_job.feature_frame(
        features_job.read_curated(spark, str(tmp_path)),
        options["avg_price"],
        options["volatility_window"],
        options["volume_window"],
    )
    got = frame_rows(frame)
    assert sorted(got) == sorted(expected)
    worst = max(max_diff(expected[s], got[s], f"seed {seed} {s} {options}") for s in expected)
    print(f"seed {seed}: max abs diff {worst:.3g}")
    assert worst <= TOLERANCE


def test_the_script_runs_as_spark_submit_would_run_it(tmp_path: Path) -> None:
    """`python features_job.py …` with its own session: the entry point EMR Serverless runs."""
    write_curated(tmp_path, {"SYNB": GOLDEN_DATA["bars"]["SYNB"]})
    r = subprocess.run(
        [sys.executable, str(JOB), f"--input={tmp_path}", f"--output={tmp_path / 'out'}", "--master=local[1]",
         "--avg-price=(open+high+low+close)/4", "--volatility-window=5", "--volume-window=3"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYSPARK_PYTHON": sys.executable},
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "feature_version=1, 1 symbols (SYNB)" in r.stdout
    case = next(c for c in GOLDEN_DATA["cases"] if c["options"]["volatility_window"] == 5)
    got = read_output(tmp_path / "out", 1)
    assert max_diff(case["features"]["SYNB"], got["SYNB"], "spark-submit SYNB") <= TOLERANCE
    assert GOLDEN.exists()
