"""cdk-nag acknowledgements that name each accepted finding exactly (cdk-nag 3 matches the full
finding id, e.g. `AwsSolutions-IAM5[Resource::<Bucket.Arn>/incoming/*]`), each with its reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

IAM5 = "AwsSolutions-IAM5"
XRAY_REASON = ("xray:PutTraceSegments/PutTelemetryRecords have no resource-level permissions: AWS requires "
               "Resource '*' (active tracing).")
KMS_REASON = ("kms:GenerateDataKey*/ReEncrypt* are the action groups CDK's table/queue grants emit, "
              "on the gateway's single customer key only.")
PREFIX_REASON = "object ARNs under one bucket prefix: the function's own part of the bucket."
INDEX_REASON = "'<table>/index/*': the table's own GSIs, which the adapters query."
DEPLOYMENT_REASON = ("CDK's BucketDeployment provider copies the console's built files from CDK's asset bucket "
                     "into the console bucket (its standard grants, AWS's basic execution role); it runs only "
                     "during deploys.")


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id cdk-nag prints inside `<...Arn>`."""
    child = construct.node.default_child
    resource = child if isinstance(child, CfnResource) else construct
    assert isinstance(resource, CfnResource)
    stack = Stack.of(resource)
    return str(stack.resolve(stack.get_logical_id(resource)))


def acknowledge(construct: IConstruct, findings: dict[str, str]) -> None:
    """`findings`: the text in brackets after IAM5 (e.g. `Resource::*`) → why it is acceptable."""
    Validations.of(construct).acknowledge(*(
        Acknowledgment(id=f"{IAM5}[{finding}]", reason=reason) for finding, reason in findings.items()))


def object_prefix(bucket: IConstruct, prefix: str) -> str:
    return f"Resource::<{logical_id(bucket)}.Arn>/{prefix}*"


def table_indexes(table: IConstruct) -> str:
    return f"Resource::<{logical_id(table)}.Arn>/index/*"


def common(tracing: bool = True) -> dict[str, str]:
    found = {"Action::kms:GenerateDataKey*": KMS_REASON, "Action::kms:ReEncrypt*": KMS_REASON}
    if tracing:
        found["Resource::*"] = XRAY_REASON
    return found


def acknowledge_role(function: lambda_.IFunction, findings: dict[str, str]) -> None:
    """Findings live on the role's policy, which is the function's sibling, not its child."""
    assert function.role is not None
    acknowledge(function.role, findings)
