"""The Airflow side of the orchestration tests, with the real Airflow and Amazon provider.

Run by `npm test` (test/orchestration/airflowDags.test.ts) in .venv-airflow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from airflow.dag_processing.dagbag import DagBag

DAGS = Path(__file__).resolve().parents[1]
ROOT = DAGS.parent
sys.path.insert(0, str(DAGS))
import stockops_dags  # noqa: E402

SPECS = {p.stem: yaml.safe_load(p.read_text()) for p in sorted((DAGS / "pipelines").glob("*.yaml"))}


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    # .dags, not .get_dag(): get_dag consults the metadata DB, which a parse test does not need.
    # Airflow 3.3 dropped include_examples: a DagBag no longer loads the example DAGs.
    return DagBag(dag_folder=str(DAGS / "stockops_dags.py"))


def test_dagbag_has_no_import_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dag_ids) == sorted(s["dag_id"] for s in SPECS.values())


@pytest.mark.parametrize("name", sorted(SPECS))
def test_dag_matches_spec(dagbag: DagBag, name: str) -> None:
    spec = SPECS[name]
    dag = dagbag.dags[spec["dag_id"]]
    defaults = spec.get("defaults") or {}
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert sorted(dag.tags) == sorted(spec["tags"])
    assert dag.timezone.name == spec["timezone"]
    assert getattr(dag.timetable, "_expression", None) == spec["schedule"]
    assert sorted(dag.task_ids) == sorted(spec["tasks"])
    for task_id, task in spec["tasks"].items():
        op = dag.get_task(task_id)
        assert sorted(op.upstream_task_ids) == sorted(task.get("after") or [])
        assert op.retries == task.get("retries", defaults.get("retries", 0))
        assert op.retry_delay == timedelta(seconds=task.get("retry_delay_seconds", defaults["retry_delay_seconds"]))
        assert op.execution_timeout == timedelta(seconds=task.get("timeout_seconds", defaults["timeout_seconds"]))
        # the DagBag loads the file as its own module: compare the callback by name
        assert [f.__name__ for f in op.on_failure_callback] == ["publish_failure"]


def test_operators_per_task_type(dagbag: DagBag) -> None:
    daily = dagbag.dags["stockops_daily"]
    backfill = dagbag.dags["stockops_backfill"]
    kinds = {t.task_id: type(t).__name__ for t in daily.tasks}
    assert kinds["ingest"] == "LambdaInvokeFunctionOperator"
    assert kinds["train"] == "SageMakerTrainingOperator"
    assert kinds["notify"] == "SnsPublishOperator"
    assert kinds["features"] == "PythonOperator"  # engine: local
    back = {t.task_id: type(t).__name__ for t in backfill.tasks}
    assert back["features"] == "EmrServerlessStartJobOperator"  # engine: spark
    assert back["batch_predict"] == "SageMakerTransformOperator"
    # ${config.aws.endpoint.instance_type} resolved from config/base.yaml
    transform = backfill.get_task("batch_predict")
    assert transform.config["TransformResources"]["InstanceType"] == "ml.t2.medium"


def test_failure_callback_publishes_to_the_failure_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = {}
    monkeypatch.setattr(stockops_dags.SnsHook, "__init__", lambda self, *a, **k: None)
    monkeypatch.setattr(stockops_dags.SnsHook, "publish_to_target", lambda self, **kw: sent.update(kw))
    monkeypatch.setenv("AIRFLOW_VAR_STOCKOPS_PIPELINE_FAILURE_TOPIC_ARN", "arn:aws:sns:us-east-1:1:failures")

    class TI:
        dag_id = "stockops_daily"
        task_id = "train"

    stockops_dags.publish_failure({"task_instance": TI(), "run_id": "r1"})
    assert sent["target_arn"] == "arn:aws:sns:us-east-1:1:failures"
    assert json.loads(sent["message"]) == {"dag_id": "stockops_daily", "task_id": "train", "run_id": "r1"}


def test_dag_file_imports_with_plain_python() -> None:
    r = subprocess.run([sys.executable, str(DAGS / "stockops_dags.py")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    graphs = json.loads(r.stdout[r.stdout.index("[\n") :])
    assert [g["dag_id"] for g in graphs] == sorted(s["dag_id"] for s in SPECS.values())


@pytest.mark.skipif(shutil.which("node") is None, reason="node not on PATH")
def test_parity_with_the_local_runner_graph(dagbag: DagBag) -> None:
    """The graph Airflow holds equals the one `stockops dags export` (the local runner's) gives."""
    r = subprocess.run(
        ["node", "scripts/stockops.ts", "dags", "export"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ},
    )
    assert r.returncode == 0, r.stderr
    ts_graphs = {g["dag_id"]: g for g in json.loads(r.stdout)}
    assert sorted(ts_graphs) == sorted(dagbag.dag_ids)
    for dag_id, graph in ts_graphs.items():
        assert stockops_dags.export_graph(dagbag.dags[dag_id]) == graph


def test_spark_features_task_runs_the_feature_job_on_emr_serverless(dagbag: DagBag) -> None:
    op = dagbag.dags["stockops_backfill"].get_task("features")
    spec_task = SPECS["backfill"]["tasks"]["features"]
    assert spec_task["params"]["engine"] == "spark"
    # deferrable: the triggerer polls, no worker slot is held for hours
    assert op.deferrable is True and op.wait_for_completion is True
    # one retry layer: Airflow's (the spec's), none inside EMR Serverless
    assert op.retries == SPECS["backfill"]["defaults"]["retries"] >= 1
    assert op.config["retryPolicy"] == {"maxAttempts": 1}
    # EMR ends the job before Airflow's timeout; the waiter outlasts the job
    job_seconds = op.config["executionTimeoutMinutes"] * 60
    assert job_seconds < op.execution_timeout.total_seconds()
    assert op.waiter_max_attempts * op.waiter_delay > job_seconds
    assert op.waiter_max_attempts * op.waiter_delay <= op.execution_timeout.total_seconds()
    # the script and its flags: the same settings the local feature table uses (config/base.yaml)
    driver = op.job_driver["sparkSubmit"]
    assert driver["entryPoint"] == "{{ var.value.stockops_features_script_s3_uri }}"
    config = yaml.safe_load((ROOT / "config" / "base.yaml").read_text())
    args = dict(a.removeprefix("--").split("=", 1) for a in driver["entryPointArguments"])
    assert args["avg-price"] == config["features"]["avg_price"]
    assert int(args["volatility-window"]) == config["features"]["volatility_window"]
    assert int(args["volume-window"]) == config["features"]["volume_window"]
    assert args["symbols"] == ",".join(config["symbols"])
    assert args["output"].endswith("/features/spark")
    job = (ROOT / "processing" / "spark" / "features_job.py").read_text()
    assert all(f'"--{flag}"' in job for flag in args), "a flag the job does not take"


@pytest.mark.parametrize("timeout", [60, 600, 3600, 14400])
def test_spark_timing_keeps_job_waiter_and_task_timeouts_in_order(timeout: int) -> None:
    t = stockops_dags.spark_timing(timeout)
    assert t["job_minutes"] >= 1
    assert t["waiter_max_attempts"] * t["waiter_delay"] > t["job_minutes"] * 60
    if timeout >= 900:  # room for the margins
        assert t["job_minutes"] * 60 < timeout
        assert t["waiter_max_attempts"] * t["waiter_delay"] < timeout
