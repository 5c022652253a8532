"""The export grant and the export bucket, read from one real plan of a harness root that calls the
modules directly: the role may export exactly the listed tables into exactly the consumer's bucket
and prefix; the bucket is private, versioned, encrypted, expiring, TLS only, and lets only that
role write, only under the prefix. The bucket and the grant are applied, with exports on, by the
local deployment (both roots' envs/local.tfvars), which tests/integration/test_export.py exports
through; the deployments suite (dev, stage, prod) does not enable exports."""
import json

import pytest

import checkov_runner
from cases import Harness, scratch_terraform
from tfhelpers import CONSUMER, MAIN, MODULES, after, name

ROLE = f"arn:aws:iam::{MAIN}:role/{name('cross_account_role_name', 'dev')}"
BUCKET = name("export_bucket_name", "dev")


def role_case(**overrides):
    args = {"environment": "dev", "main_account_id": MAIN, "consumer_account_id": CONSUMER, "region": "us-east-1",
            "tables": {"orders": {"access_type": "Read"}, "ledger": {"access_type": "Full"}}}
    args.update(overrides)
    return "cross-account-role", args


def bucket_case(**overrides):
    args = {"environment": "dev", "consumer_account_id": CONSUMER, "writer_role_arns": [ROLE]}
    args.update(overrides)
    return "export-bucket", args


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    terraform_dir, _ = scratch_terraform(tmp_path_factory.mktemp("exports"))
    h = Harness(terraform_dir, "exports", {
        "exports_orders": role_case(exports={"tables": ["orders"]}),
        "exports_custom": role_case(exports={"tables": ["ledger", "orders"], "bucket": "team-exports", "prefix": "a/b"}),
        "no_exports": role_case(),
        "bucket_default": bucket_case(),
        "bucket_custom": bucket_case(bucket={"name": "team-exports", "prefix": "a/b", "expiration_days": 3,
                                             "noncurrent_expiration_days": 2}),
    })
    return h, h.plan()


def resource(harness, case, address):
    h, plan = harness
    return after(plan, f"{h.module_address(case)}.{address}")


def addresses(harness, case):
    h, plan = harness
    prefix = h.module_address(case) + "."
    return {rc["address"][len(prefix):] for rc in plan["resource_changes"] if rc["address"].startswith(prefix)}


def by_sid(policy_json):
    doc = json.loads(policy_json)
    assert doc["Version"] == "2012-10-17"
    return {s["Sid"]: s for s in doc["Statement"]}


def test_the_role_may_export_exactly_the_listed_tables_into_the_consumers_bucket_and_prefix(harness):
    s = by_sid(resource(harness, "exports_orders", "aws_iam_policy.export[0]")["policy"])
    table = f"arn:aws:dynamodb:us-east-1:{MAIN}:table/orders"
    assert s["ExportTables"]["Action"] == ["dynamodb:ExportTableToPointInTime"]
    assert s["ExportTables"]["Resource"] == [table]
    assert s["DescribeExports"] == {"Sid": "DescribeExports", "Effect": "Allow", "Action": ["dynamodb:DescribeExport"],
                                    "Resource": [f"{table}/export/*"]}
    assert s["WriteExportBucket"] == {
        "Sid": "WriteExportBucket", "Effect": "Allow",
        "Action": ["s3:AbortMultipartUpload", "s3:PutObject", "s3:PutObjectAcl"],
        "Resource": f"arn:aws:s3:::{BUCKET}/exports/*",
        "Condition": {"StringEquals": {"s3:ResourceAccount": CONSUMER}}}
    assert resource(harness, "exports_orders", "aws_iam_role_policy_attachment.export[0]")["role"] == \
        name("cross_account_role_name", "dev")
    custom = by_sid(resource(harness, "exports_custom", "aws_iam_policy.export[0]")["policy"])
    assert custom["ExportTables"]["Resource"] == [f"arn:aws:dynamodb:us-east-1:{MAIN}:table/{t}" for t in ("ledger", "orders")]
    assert custom["WriteExportBucket"]["Resource"] == "arn:aws:s3:::team-exports/a/b/*"


def test_without_exports_there_is_no_export_grant(harness):
    assert not [a for a in addresses(harness, "no_exports") if "export" in a]
    assert {"aws_iam_policy.export[0]", "aws_iam_role_policy_attachment.export[0]"} <= addresses(harness, "exports_orders")


def test_the_bucket_is_private_versioned_encrypted_and_expiring(harness):
    assert resource(harness, "bucket_default", "aws_s3_bucket.this")["bucket"] == BUCKET
    block = resource(harness, "bucket_default", "aws_s3_bucket_public_access_block.this")
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                          "restrict_public_buckets"))
    ownership = resource(harness, "bucket_default", "aws_s3_bucket_ownership_controls.this")
    assert ownership["rule"] == [{"object_ownership": "BucketOwnerEnforced"}]
    versioning = resource(harness, "bucket_default", "aws_s3_bucket_versioning.this")
    assert versioning["versioning_configuration"][0]["status"] == "Enabled"
    sse = resource(harness, "bucket_default", "aws_s3_bucket_server_side_encryption_configuration.this")
    assert sse["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "AES256"
    rule, abort = resource(harness, "bucket_custom", "aws_s3_bucket_lifecycle_configuration.this")["rule"]
    assert rule["status"] == "Enabled" and rule["filter"][0]["prefix"] == "a/b/"
    assert rule["expiration"][0]["days"] == 3
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == 2
    # Incomplete uploads are aborted in the whole bucket (an empty filter), not only under the prefix.
    assert abort["status"] == "Enabled" and abort["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 1
    assert len(abort["filter"]) == 1 and not any(abort["filter"][0].values()), abort["filter"]
    assert not rule["abort_incomplete_multipart_upload"]


def test_checkov_passes_the_export_bucket_module():
    """The module's HCL (the deployments of dev, stage and prod hold no export bucket, so the scan
    of their plans never sees it): no failed check, the multipart abort (CKV_AWS_300) among the passed."""
    found = checkov_runner.reports(checkov_runner.start(
        ["-d", str(MODULES / "export-bucket"), "--framework", "terraform"]))
    assert checkov_runner.failed(found) == []
    passed = {c["check_id"] for r in found for c in r.get("results", {}).get("passed_checks", [])}
    assert "CKV_AWS_300" in passed, sorted(passed)


def test_the_bucket_policy_lets_only_the_main_role_write_under_the_prefix_and_only_over_tls(harness):
    s = by_sid(resource(harness, "bucket_custom", "aws_s3_bucket_policy.this")["policy"])
    assert set(s) == {"DenyInsecureTransport", "MainAccountExportsWrite"}
    deny = s["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == ["arn:aws:s3:::team-exports", "arn:aws:s3:::team-exports/*"]
    write = s["MainAccountExportsWrite"]
    # The role's account as principal and the role pinned by aws:PrincipalArn: valid before the role exists.
    assert write["Effect"] == "Allow" and write["Principal"] == {"AWS": [f"arn:aws:iam::{MAIN}:root"]}
    assert write["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [ROLE]}}
    assert write["Action"] == ["s3:AbortMultipartUpload", "s3:PutObject", "s3:PutObjectAcl"]
    assert write["Resource"] == "arn:aws:s3:::team-exports/a/b/*"


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    terraform_dir, _ = scratch_terraform(tmp_path_factory.mktemp("exports-refused"))
    h = Harness(terraform_dir, "exports_refused", {
        "no_tables": role_case(exports={"tables": []}),
        "wildcard_writer": bucket_case(writer_role_arns=["arn:aws:iam::111111111111:role/*"]),
        "climbing_prefix": bucket_case(bucket={"prefix": "a/../b"}),
        "bad_bucket_name": bucket_case(bucket={"name": "Team_Exports"}),
    })
    return [e for errs in h.diagnostics("plan").values() for e in errs]


@pytest.mark.parametrize("says", [
    "The exports.tables list must name at least one table",
    "The writer_role_arns must name at least one IAM role ARN",
    "The bucket.prefix must be path segments",
    "The bucket.name must be null",
])
def test_invalid_export_inputs_are_refused_with_what_to_fix(refused, says):
    assert any(says in e for e in refused), refused


def test_an_export_of_a_table_the_role_is_not_granted_is_refused_at_plan(tmp_path_factory):
    """A precondition, evaluated once the inputs are valid (a validation cannot read var.tables
    before Terraform 1.9), so in a harness of its own."""
    terraform_dir, _ = scratch_terraform(tmp_path_factory.mktemp("exports-unknown"))
    h = Harness(terraform_dir, "exports_unknown", {"unknown_table": role_case(exports={"tables": ["orders", "nope"]})})
    errors = [e for errs in h.diagnostics("plan").values() for e in errs]
    assert any("Each of exports.tables must be a key of tables; not: nope." in e for e in errors), errors
