# The consumer account's export bucket: DynamoDB, acting as the main account's role, writes table
# exports under one prefix; nothing else may write, nothing is public, and every request is TLS.

module "conventions" {
  source = "../conventions"

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
}

data "aws_partition" "current" {}

locals {
  name       = coalesce(var.bucket.name, module.conventions.names.export_bucket_name)
  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${local.name}"

  policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # Explicit deny wins over any allow: plain HTTP is refused for everyone.
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        # What DynamoDB's export to S3 needs from the exporting principal ("Requesting a table
        # export in DynamoDB": s3:AbortMultipartUpload, s3:PutObject, s3:PutObjectAcl), below the
        # prefix only. Across accounts the role's own policy must allow the same.
        # The writers' accounts as principals, the roles pinned by aws:PrincipalArn: S3 refuses a
        # policy naming a role that does not exist yet, and the consumer root may be applied before
        # the main root creates the role (as the role's own "account" trust mode does).
        Sid       = "MainAccountExportsWrite"
        Effect    = "Allow"
        Principal = { AWS = sort(distinct([for arn in var.writer_role_arns : "arn:${data.aws_partition.current.partition}:iam::${split(":", arn)[4]}:root"])) }
        Action    = ["s3:AbortMultipartUpload", "s3:PutObject", "s3:PutObjectAcl"]
        Resource  = "${local.bucket_arn}/${var.bucket.prefix}/*"
        Condition = { ArnEquals = { "aws:PrincipalArn" = sort(var.writer_role_arns) } }
      },
    ]
  }
}

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV_AWS_18: access logging needs a second bucket to log into; the exports' writer is in CloudTrail (DynamoDB ExportTableToPointInTime) and S3 data events can be enabled where required.
  # checkov:skip=CKV_AWS_144: cross-region replication of exports that can be re-run from the table's point-in-time recovery is not worth a second bucket.
  # checkov:skip=CKV_AWS_145: SSE-S3 (AES256), not KMS: an SSE-KMS bucket would need the key policy to grant the main account's role too; exports hold the table's data, which the table's own key protects at the source.
  # checkov:skip=CKV2_AWS_62: no consumer of event notifications; Athena reads the manifest directly.
  bucket        = local.name
  force_destroy = var.bucket.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: every object belongs to the bucket owner (the consumer), whoever wrote it.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-exports"
    status = "Enabled"
    filter {
      prefix = "${var.bucket.prefix}/"
    }
    expiration {
      days = var.bucket.expiration_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.bucket.noncurrent_expiration_days
    }
  }

  # The whole bucket, not only the prefix: an upload that never completes (an export that failed
  # midway, or anyone's) keeps its parts, billed and invisible to listings, until aborted.
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode(local.policy)

  # Block Public Access first, so the bucket is never briefly governed by a policy alone.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
