"""The feature table of core/features/ in PySpark, for many symbols at once (EMR Serverless).

Reads curated partitions (<input>/curated/symbol=S/year=Y/month=M/bars.csv), computes exactly
what core/features/featureTable.ts computes per symbol, and writes CSV partitioned as
<output>/feature_version=V/symbol=S/part-*.csv with the columns of `formatFeatureCsv`
(date, avg_price, close, log_return, close_to_avg, volatility, log_volume_z); a value that
cannot be computed yet is an empty cell, as in features.csv.

Parity with TypeScript (checked to 1e-9 by processing/tests and scripts/sparkParity.ts); the
usual ways two implementations drift apart are pinned here:
- standard deviation is the SAMPLE one (n - 1), as core/features/rolling.ts;
- windows are ROWS BETWEEN n-1 PRECEDING AND CURRENT ROW over sessions, never RANGE over dates
  (holidays and weekends would shrink a date range), per symbol, ordered by date;
- a window value exists only when the window is full of defined values: null until then
  (TypeScript: NaN). Spark's aggregates skip nulls, so fullness is checked explicitly;
- missing is null here and NaN in TypeScript; any NaN is turned into null before writing
  (and Spark's ln of a non-positive number is null where TS gives -Infinity or NaN: curated
  prices are validated positive, so neither arises);
- dates stay strings (ISO, so they sort as dates): no parsing, no time zone conversion;
- sums run in the same order as TypeScript (oldest to newest, from 0.0), two-pass std: not
  Spark's stddev_samp, whose streaming update rounds differently; a window of identical values
  has std exactly 0 (so no z-score), not the rounding noise left by its mean.

Runs on Python 3.9 (the EMR 7.x image) and later; pyspark pinned in processing/requirements.txt.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

# Bumped together with FEATURE_VERSION in core/features/featureTable.ts whenever a formula
# changes; the golden fixture records it and the tests compare the two.
FEATURE_VERSION = 1

FEATURE_COLUMNS = ["log_return", "close_to_avg", "volatility", "log_volume_z"]
OUTPUT_COLUMNS = ["date", "avg_price", "close", *FEATURE_COLUMNS]

# Same keys and same operation order as AVG_PRICE_FORMULAS in core/features/avgPrice.ts.
AVG_PRICE_FORMULAS = {
    "(high+low)/2": lambda: (F.col("high") + F.col("low")) / 2,
    "(high+low+close)/3": lambda: (F.col("high") + F.col("low") + F.col("close")) / 3,
    "(open+high+low+close)/4": lambda: (F.col("open") + F.col("high") + F.col("low") + F.col("close")) / 4,
    "close": lambda: F.col("close"),
}

# The curated CSV layout (core/market/priceBar.ts PRICE_CSV_HEADER); date is read as a string.
BAR_SCHEMA = StructType(
    [StructField("date", StringType(), False)]
    + [StructField(c, DoubleType(), False) for c in ["open", "high", "low", "close", "adj_close", "volume"]]
)


def read_curated(spark: SparkSession, root: str, symbols: Sequence[str] | None = None) -> DataFrame:
    """Every curated bar under root/curated, with `symbol` taken from the partition path."""
    bars = (
        spark.read.option("header", True)
        .option("mode", "FAILFAST")
        # only the partitions' bars.csv: never a writer's temp file (bars.csv.tmp-…) beside it
        .option("pathGlobFilter", "bars.csv")
        .schema(BAR_SCHEMA)
        # the directory, not a glob: Spark lists it in parallel and prunes symbol=… partitions
        .csv(f"{root}/curated")
    )
    if symbols:
        bars = bars.where(F.col("symbol").isin(list(symbols)))
    return bars.select("symbol", *[f.name for f in BAR_SCHEMA.fields])


def _trailing(n: int):
    # ROWS, not RANGE: n sessions, whatever the calendar gaps between them.
    return Window.partitionBy("symbol").orderBy("date").rowsBetween(-(n - 1), Window.currentRow)


def _sum_in_order(values: Column, term=lambda x: x) -> Column:
    """0.0 + term(v0) + term(v1) + … left to right: the loop order of core/features/rolling.ts."""
    return F.aggregate(values, F.lit(0.0), lambda acc, x: acc + term(x))


def _rolling_mean_std(frame: DataFrame, column: str, n: int, prefix: str) -> DataFrame:
    """Adds <prefix>_mean and <prefix>_std (sample, n - 1) of the n values ending at each row."""
    values, mean = f"{prefix}_values", f"{prefix}_mean"
    full = F.size(F.col(values)) == n  # collect_list drops nulls: a short list = incomplete window
    return (
        frame.withColumn(values, F.collect_list(column).over(_trailing(n)))
        .withColumn(mean, F.when(full, _sum_in_order(F.col(values)) / n))
        .withColumn(
            f"{prefix}_std",
            # identical values: exactly 0, not the rounding noise of their mean (as rolling.ts)
            F.when(full & (F.array_min(values) == F.array_max(values)), F.lit(0.0)).when(
                full,
                F.sqrt(_sum_in_order(F.col(values), lambda x: (x - F.col(mean)) * (x - F.col(mean))) / (n - 1)),
            ),
        )
        .drop(values)
    )


def feature_frame(bars: DataFrame, avg_price: str, volatility_window: int, volume_window: int) -> DataFrame:
    """core/features/featureTable.ts buildFeatureTable, per symbol: OUTPUT_COLUMNS plus symbol."""
    if avg_price not in AVG_PRICE_FORMULAS:
        raise ValueError(f"avg_price: unknown formula {avg_price!r} (one of {', '.join(AVG_PRICE_FORMULAS)})")
    if volatility_window < 2 or volume_window < 2:
        raise ValueError("volatility_window and volume_window must be at least 2 (sample std)")
    by_date = Window.partitionBy("symbol").orderBy("date")
    frame = (
        bars.withColumn("avg_price", AVG_PRICE_FORMULAS[avg_price]())
        # lag is null on a symbol's first row: its log return does not exist (TS: NaN)
        .withColumn("log_return", F.log(F.col("avg_price") / F.lag("avg_price").over(by_date)))
        .withColumn("close_to_avg", F.log(F.col("close") / F.col("avg_price")))
        # log1p keeps zero-volume days (halts) finite, as in TypeScript
        .withColumn("log_volume", F.log1p(F.col("volume")))
    )
    frame = _rolling_mean_std(frame, "log_return", volatility_window, "ret")
    frame = _rolling_mean_std(frame, "log_volume", volume_window, "vol")
    frame = frame.withColumn("volatility", F.col("ret_std")).withColumn(
        # a constant-volume window has std 0: no z-score (TS: NaN), never a division by zero
        "log_volume_z",
        F.when(F.col("vol_std") > 0, (F.col("log_volume") - F.col("vol_mean")) / F.col("vol_std")),
    )
    # NaN cannot arise from valid bars, but if it does it must read as missing, as in TS
    return frame.select(
        "symbol",
        "date",
        *[F.nanvl(F.col(c), F.lit(None).cast(DoubleType())).alias(c) for c in OUTPUT_COLUMNS[1:]],
    )


def write_features(features: DataFrame, output: str) -> None:
    """One CSV per symbol under feature_version=V/symbol=S/, rows by date; re-runs replace only
    the partitions of the symbols they computed (dynamic partition overwrite)."""
    (
        features.withColumn("feature_version", F.lit(FEATURE_VERSION))
        .repartition("symbol")
        .sortWithinPartitions("symbol", "date")
        .write.mode("overwrite")
        .option("partitionOverwriteMode", "dynamic")
        .option("header", True)
        .partitionBy("feature_version", "symbol")
        .csv(output)
    )


def spark_session(master: str | None = None) -> SparkSession:
    builder = (
        SparkSession.builder.appName("stockops-features")
        .config("spark.sql.session.timeZone", "UTC")
        # symbol=1234 stays the string "1234"; year/month stay as written
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.ansi.enabled", "false")
    )
    if master:  # local runs and tests; on EMR Serverless the service sets the master
        builder = (
            builder.master(master).config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        )
    return builder.getOrCreate()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="features_job.py", description=__doc__.split("\n")[0])
    p.add_argument("--input", required=True, help="store root holding curated/ (a path or s3://bucket/prefix)")
    p.add_argument("--output", required=True, help="where feature_version=V/symbol=S/ partitions go")
    p.add_argument("--symbols", default="", help="comma-separated; default every symbol in curated/")
    p.add_argument("--avg-price", default="(high+low)/2", choices=sorted(AVG_PRICE_FORMULAS))
    p.add_argument("--volatility-window", type=int, default=20)
    p.add_argument("--volume-window", type=int, default=20)
    p.add_argument("--master", default=None, help="e.g. local[2]; omit on EMR Serverless")
    return p.parse_args(argv)


def run(spark: SparkSession, args: argparse.Namespace) -> int:
    """The job on an existing session: 0 when every asked-for symbol was written, 1 otherwise."""
    symbols = [s for s in args.symbols.split(",") if s]
    try:
        bars = read_curated(spark, args.input, symbols).cache()
        found = sorted(r.symbol for r in bars.select("symbol").distinct().collect())
    except AnalysisException as error:  # no curated/ at all
        print(f"features_job: cannot read {args.input}/curated: {error}", file=sys.stderr)
        return 1
    missing = sorted(set(symbols) - set(found))
    if not found or missing:
        wanted = ", ".join(missing) or "any symbol"
        print(f"features_job: no curated bars in {args.input}/curated for {wanted}", file=sys.stderr)
        return 1
    features = feature_frame(bars, args.avg_price, args.volatility_window, args.volume_window)
    write_features(features, args.output)
    bars.unpersist()
    print(f"features_job: feature_version={FEATURE_VERSION}, {len(found)} symbols ({', '.join(found)}) -> {args.output}")
    return 0


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    spark = spark_session(args.master)
    try:
        return run(spark, args)
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
