"""Shared fixtures: one local[1] SparkSession for the whole run (starting one takes seconds)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PROCESSING = Path(__file__).resolve().parents[1]
ROOT = PROCESSING.parent
sys.path.insert(0, str(PROCESSING / "spark"))

import features_job  # noqa: E402


@pytest.fixture(scope="session")
def spark():
    session = features_job.spark_session("local[1]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
