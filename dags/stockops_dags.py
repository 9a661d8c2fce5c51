"""Airflow 3 DAGs for MWAA, one per pipeline spec in dags/pipelines/*.yaml.

Small on purpose: what runs, in which order, with which retries and timeouts is in the specs,
which the local runner (`stockops run`) reads too, so the two cannot drift. This file only maps
a task type onto an Amazon provider operator. `export_graph` gives the same JSON as
`stockops dags export` (the parity test compares them).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import timedelta
from pathlib import Path

import pendulum
import yaml
from airflow.providers.amazon.aws.hooks.sns import SnsHook
from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator
from airflow.providers.amazon.aws.operators.lambda_function import LambdaInvokeFunctionOperator
from airflow.providers.amazon.aws.operators.sagemaker import (
    SageMakerTrainingOperator,
    SageMakerTransformOperator,
)
from airflow.providers.amazon.aws.operators.sns import SnsPublishOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable

HERE = Path(__file__).resolve().parent
PIPELINES = HERE / "pipelines"
# In the repository the config sits beside dags/; on MWAA the deploy copies it next to the DAGs.
CONFIG_FILES = [HERE.parent / "config" / "base.yaml", HERE / "config" / "base.yaml"]
CONFIG_REF = re.compile(r"\$\{config\.([^}]*)\}")
# Set per environment (Airflow Variables), so the same DAG file serves dev, staging and prod.
FAILURE_TOPIC = "{{ var.value.stockops_pipeline_failure_topic_arn }}"
TYPE_DOC = "stockops task type: "


def _config() -> dict:
    for path in CONFIG_FILES:
        if path.exists():
            return yaml.safe_load(path.read_text()) or {}
    return {}


def _resolve(value, config: dict):
    """`${config.a.b}` -> the config value; unresolvable references were rejected by validate."""

    def one(match: re.Match) -> str:
        here = config
        for key in match.group(1).split("."):
            if not isinstance(here, dict) or key not in here:
                return match.group(0)
            here = here[key]
        return str(here)

    return CONFIG_REF.sub(one, value) if isinstance(value, str) else value


def publish_failure(context) -> None:
    """on_failure_callback: one message on the pipeline-failure SNS topic per failed task."""
    from airflow.sdk import Variable

    ti = context["task_instance"]
    SnsHook().publish_to_target(
        target_arn=Variable.get("stockops_pipeline_failure_topic_arn"),
        subject=f"stockops: {ti.dag_id}.{ti.task_id} failed"[:100],
        message=json.dumps(
            {"dag_id": ti.dag_id, "task_id": ti.task_id, "run_id": context.get("run_id")}
        ),
    )


def run_step(task_type: str, params: dict) -> None:
    """Placeholder body for steps that run in the worker: logs the documented step."""
    print(f"stockops step {task_type} {json.dumps(params, sort_keys=True)} (docs/orchestration.md)")


def spark_timing(timeout_seconds: int) -> dict:
    """Timeouts of a Spark task, so that exactly one layer retries (Airflow's) and nothing is
    left running: the job's own timeout ends it 10 minutes before Airflow's execution_timeout
    (a deferred operator's on_kill never runs, so Airflow could not cancel it), and the waiter
    polls longer than the job can run (the provider's default, 25 x 60 s, gives up on a job
    that is still healthy)."""
    job_minutes = max(1, timeout_seconds // 60 - 10)
    return {"job_minutes": job_minutes, "waiter_delay": 60, "waiter_max_attempts": job_minutes + 5}


def _spark_features(task_id: str, config: dict, common: dict):
    """processing/spark/features_job.py on EMR Serverless, with the feature settings of config."""
    var = "{{ var.value.%s }}"
    features = config.get("features") or {}
    timing = spark_timing(int(common["execution_timeout"].total_seconds()))
    data = var % "stockops_data_s3_uri"
    return EmrServerlessStartJobOperator(
        task_id=task_id,
        application_id=var % "stockops_emr_application_id",
        execution_role_arn=var % "stockops_emr_role_arn",
        name="stockops-features-{{ ts_nodash }}",
        job_driver={
            "sparkSubmit": {
                "entryPoint": var % "stockops_features_script_s3_uri",
                "entryPointArguments": [
                    f"--input={data}",
                    f"--output={data}/features/spark",
                    f"--symbols={','.join(config.get('symbols') or [])}",
                    f"--avg-price={features.get('avg_price', '(high+low)/2')}",
                    f"--volatility-window={features.get('volatility_window', 20)}",
                    f"--volume-window={features.get('volume_window', 20)}",
                ],
                "sparkSubmitParameters": "--conf spark.executor.cores=2 --conf spark.executor.memory=4g",
            }
        },
        configuration_overrides={
            "monitoringConfiguration": {"managedPersistenceMonitoringConfiguration": {"enabled": True}}
        },
        # StartJobRun arguments: EMR's timeout, and no EMR-side retries (Airflow's are the only layer)
        config={"executionTimeoutMinutes": timing["job_minutes"], "retryPolicy": {"maxAttempts": 1}},
        wait_for_completion=True,
        deferrable=True,  # the worker slot is free while the job runs; the triggerer polls
        waiter_delay=timing["waiter_delay"],
        waiter_max_attempts=timing["waiter_max_attempts"],
        **common,
    )


def _operator(task_id: str, task_type: str, params: dict, common: dict, config: dict):
    var = "{{ var.value.%s }}"
    if task_type == "ingest":
        payload = {k: v for k, v in params.items() if k != "function_name"}
        return LambdaInvokeFunctionOperator(
            task_id=task_id,
            function_name=params["function_name"],
            payload=json.dumps({**payload, "date": "{{ ds }}"}),
            **common,
        )
    if task_type == "train":
        return SageMakerTrainingOperator(
            task_id=task_id,
            config={
                "TrainingJobName": "stockops-train-{{ ts_nodash }}",
                "AlgorithmSpecification": {
                    "TrainingImage": var % "stockops_training_image",
                    "TrainingInputMode": "File",
                },
                "RoleArn": var % "stockops_sagemaker_role_arn",
                "ResourceConfig": {
                    "InstanceType": params["instance_type"],
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 10,
                },
                "OutputDataConfig": {"S3OutputPath": var % "stockops_model_s3_uri"},
                "StoppingCondition": {"MaxRuntimeInSeconds": int(common["execution_timeout"].total_seconds())},
            },
            **common,
        )
    if task_type == "batch_predict":
        return SageMakerTransformOperator(
            task_id=task_id,
            config={
                "TransformJobName": "stockops-transform-{{ ts_nodash }}",
                "ModelName": var % "stockops_model_name",
                "TransformInput": {
                    "DataSource": {
                        "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": var % "stockops_transform_input_s3_uri"}
                    },
                    "ContentType": "text/csv",
                },
                "TransformOutput": {"S3OutputPath": var % "stockops_transform_output_s3_uri"},
                "TransformResources": {"InstanceType": params["instance_type"], "InstanceCount": 1},
            },
            **common,
        )
    if task_type == "features" and params.get("engine") == "spark":
        return _spark_features(task_id, config, common)
    if task_type == "notify":
        return SnsPublishOperator(
            task_id=task_id,
            target_arn=var % "stockops_pipeline_events_topic_arn",
            message=f"{{{{ dag.dag_id }}}} {{{{ run_id }}}}: {params['topic']}",
            subject=params.get("subject", "stockops"),
            **common,
        )
    return PythonOperator(
        task_id=task_id,
        python_callable=run_step,
        op_kwargs={"task_type": task_type, "params": params},
        **common,
    )


def build_dag(spec: dict, config: dict | None = None) -> DAG:
    config = _config() if config is None else config
    defaults = spec.get("defaults") or {}
    tz = pendulum.timezone(spec["timezone"])
    schedule = spec.get("schedule")
    dag = DAG(
        dag_id=spec["dag_id"],
        description=spec.get("description"),
        schedule=None if schedule is None else CronTriggerTimetable(schedule, timezone=tz),
        start_date=pendulum.datetime(2026, 1, 1, tz=tz),
        catchup=False,
        max_active_runs=1,
        tags=list(spec.get("tags") or []),
        default_args={"on_failure_callback": publish_failure},
    )
    with dag:
        ops = {}
        for task_id, task in spec["tasks"].items():
            pick = lambda key, fallback: task.get(key, defaults.get(key, fallback))  # noqa: E731
            common = {
                "retries": pick("retries", 0),
                "retry_delay": timedelta(seconds=pick("retry_delay_seconds", 60)),
                "execution_timeout": timedelta(seconds=pick("timeout_seconds", 3600)),
                "doc_md": TYPE_DOC + task["type"],
            }
            params = {k: _resolve(v, config) for k, v in (task.get("params") or {}).items()}
            ops[task_id] = _operator(task_id, task["type"], params, common, config)
        for task_id, task in spec["tasks"].items():
            for upstream in task.get("after") or []:
                ops[upstream] >> ops[task_id]
    return dag


def load_specs() -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted(PIPELINES.glob("*.yaml"))]


def export_graph(dag: DAG) -> dict:
    """The DAG as stockops.task-graph/v1, read back from Airflow's objects (not the spec)."""
    timetable = dag.timetable
    return {
        "schema": "stockops.task-graph/v1",
        "dag_id": dag.dag_id,
        "schedule": getattr(timetable, "_expression", None),
        "timezone": dag.timezone.name,
        "tags": sorted(dag.tags),
        "tasks": [
            {
                "id": t.task_id,
                "type": (t.doc_md or "").removeprefix(TYPE_DOC),
                "upstream": sorted(t.upstream_task_ids),
                "retries": t.retries,
                "retry_delay_seconds": int(t.retry_delay.total_seconds()),
                "timeout_seconds": int(t.execution_timeout.total_seconds()),
            }
            for t in sorted(dag.tasks, key=lambda t: t.task_id)
        ],
    }


# Module-level DAG objects are what the DagBag (and MWAA's scheduler) pick up.
for _spec in load_specs():
    globals()[_spec["dag_id"]] = build_dag(_spec)

if __name__ == "__main__":
    json.dump([export_graph(globals()[s["dag_id"]]) for s in load_specs()], sys.stdout, indent=2)
    print()
