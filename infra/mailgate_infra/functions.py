"""One factory for every Python function: own role, own log group, tracing, Powertools settings."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Size, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from mailgate_infra import names

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILT_LAYER = REPO_ROOT / "build" / "layer"  # scripts/build_layer.sh: dependencies + mailgate
RUNTIME = lambda_.Runtime.PYTHON_3_12


def layer_directory() -> Path:
    """The built layer when present; else a staged copy of just the `mailgate` package, so tests
    synthesise offline. That fallback lacks the dependencies: deploy after scripts/build_layer.sh."""
    if (BUILT_LAYER / "python").is_dir():
        return BUILT_LAYER
    staged = Path(tempfile.mkdtemp(prefix="mailgate-layer-"))
    shutil.copytree(REPO_ROOT / "layers" / "mailgate" / "mailgate", staged / "python" / "mailgate",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return staged


@dataclass(frozen=True)
class FunctionSettings:
    memory_mb: int
    log_retention_days: int
    environment: dict[str, str]
    vpc: ec2.IVpc | None


def acknowledge_fixed_runtime(fn: Construct) -> None:
    Validations.of(fn).acknowledge(Acknowledgment(
        id="AwsSolutions-L1",
        reason="python3.12 is the runtime the code and layer are built and tested for; bumped deliberately."))


@dataclass(frozen=True)
class ContainerImage:
    """Run a function from a container image instead (the scan function with clamd inside)."""

    code: lambda_.DockerImageCode
    memory_mb: int
    ephemeral_storage_mb: int


def python_function(scope: Construct, id: str, *, code_dir: str, settings: FunctionSettings,
                    layer: lambda_.ILayerVersion, timeout: Duration, service: str,
                    reserved_concurrency: int | None = None, image: ContainerImage | None = None) -> lambda_.Function:
    """`functions/<code_dir>/handler.handler` on python3.12 with the mailgate layer, or the same
    handler and package inside `image`."""
    role = iam.Role(scope, f"{id}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                    description=f"mailgate {service}: only what this function uses")
    log_group = logs.LogGroup(scope, f"{id}Logs", retention=log_retention(settings.log_retention_days),
                              removal_policy=RemovalPolicy.RETAIN)
    log_group.grant_write(role)
    if settings.vpc is not None:
        role.add_to_policy(iam.PolicyStatement(
            sid="VpcNetworkInterfaces",
            actions=["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
                     "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            resources=["*"]))  # AWS requires "*": these EC2 actions have no resource-level permissions
    env = {"POWERTOOLS_SERVICE_NAME": f"{names.SERVICE_NAME}-{service}",
           "POWERTOOLS_METRICS_NAMESPACE": names.METRICS_NAMESPACE,
           "POWERTOOLS_LOG_LEVEL": "INFO", **settings.environment}
    common = {"role": role, "timeout": timeout, "tracing": lambda_.Tracing.ACTIVE, "log_group": log_group,
              "environment": env, "reserved_concurrent_executions": reserved_concurrency,
              "architecture": lambda_.Architecture.X86_64, "vpc": settings.vpc,
              "vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
              if settings.vpc else None}
    if image is not None:
        return lambda_.DockerImageFunction(scope, id, code=image.code, memory_size=image.memory_mb,
                                           ephemeral_storage_size=Size.mebibytes(image.ephemeral_storage_mb),
                                           **common)
    fn = lambda_.Function(
        scope, id, runtime=RUNTIME, handler="handler.handler",
        code=lambda_.Code.from_asset(str(REPO_ROOT / "functions" / code_dir)), layers=[layer],
        memory_size=settings.memory_mb, **common)
    acknowledge_fixed_runtime(fn)
    return fn


_RETENTION = {1: logs.RetentionDays.ONE_DAY, 7: logs.RetentionDays.ONE_WEEK, 14: logs.RetentionDays.TWO_WEEKS,
              30: logs.RetentionDays.ONE_MONTH, 90: logs.RetentionDays.THREE_MONTHS,
              180: logs.RetentionDays.SIX_MONTHS, 365: logs.RetentionDays.ONE_YEAR,
              3653: logs.RetentionDays.TEN_YEARS}


def log_retention(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch retention that keeps logs at least `days`."""
    return next((r for d, r in _RETENTION.items() if d >= days), logs.RetentionDays.TEN_YEARS)
