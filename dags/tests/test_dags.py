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
