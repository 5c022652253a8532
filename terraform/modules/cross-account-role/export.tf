# Table exports into the consumer's bucket (the function's `export` op). Separate from the access
# levels: exporting is neither reading nor writing the table (DynamoDB reads its point-in-time
# backups) but it writes a bucket, so it is granted per table, only together with that bucket.

variable "exports" {
  description = "Table exports into the consumer account's bucket (null: no export grant). tables: names of var.tables that may be exported (each needs point-in-time recovery). bucket: the consumer's export bucket (null: naming.json's export_bucket_name, as modules/export-bucket names it). prefix: the part of the bucket the role may write (EXPORT_PREFIX)."
  type = object({
    tables = list(string)
    bucket = optional(string)
    prefix = optional(string, "exports")
  })
  default = null

  validation {
    condition     = var.exports == null || length(try(var.exports.tables, [])) > 0
    error_message = "The exports.tables list must name at least one table (or set exports = null for no export grant)."
  }

  validation {
    condition     = var.exports == null || try(var.exports.bucket, null) == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", try(var.exports.bucket, "")))
    error_message = "The exports.bucket must be null (naming.json's export_bucket_name) or an S3 bucket name: 3-63 of a-z, 0-9, . and -, a letter or digit at each end."
  }

  validation {
    condition     = var.exports == null || can(regex("^[A-Za-z0-9!_.*'()=-]+(/[A-Za-z0-9!_.*'()=-]+)*$", try(var.exports.prefix, "")))
    error_message = "The exports.prefix must be path segments of letters, digits and !_.*'()=- separated by single / (no leading or trailing /)."
  }
}

locals {
  export_tables  = var.exports == null ? [] : sort(distinct(var.exports.tables))
  unknown_export = [for name in local.export_tables : name if !contains(keys(var.tables), name)]
  export_bucket  = var.exports == null ? null : coalesce(var.exports.bucket, module.conventions.names.export_bucket_name)

  export_policy = var.exports == null ? null : {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ExportTables"
        Effect   = "Allow"
        Action   = ["dynamodb:ExportTableToPointInTime"]
        Resource = [for name in local.export_tables : try(local.tables[name].arn, name)]
      },
      {
        # DescribeExport is authorized on the export's ARN: table/NAME/export/ID.
        Sid      = "DescribeExports"
        Effect   = "Allow"
        Action   = ["dynamodb:DescribeExport"]
        Resource = [for name in local.export_tables : "${try(local.tables[name].arn, name)}/export/*"]
      },
      {
        # What AWS documents an export needs on the bucket, below the prefix only, and only in a
        # bucket the consumer account owns.
        Sid       = "WriteExportBucket"
        Effect    = "Allow"
        Action    = ["s3:AbortMultipartUpload", "s3:PutObject", "s3:PutObjectAcl"]
        Resource  = "arn:${local.partition}:s3:::${local.export_bucket}/${var.exports.prefix}/*"
        Condition = { StringEquals = { "s3:ResourceAccount" = var.consumer_account_id } }
      },
    ]
  }
}

resource "aws_iam_policy" "export" {
  count = var.exports == null ? 0 : 1

  name        = substr("${local.role_name}-exports", 0, 128)
  path        = var.role.path
  description = "DynamoDB exports of ${join(", ", local.export_tables)} into s3://${local.export_bucket}/${var.exports.prefix}/ for ${local.role_name}."
  policy      = jsonencode(local.export_policy)
  tags        = var.tags

  lifecycle {
    precondition {
      condition     = length(local.unknown_export) == 0
      error_message = "Each of exports.tables must be a key of tables; not: ${join(", ", local.unknown_export)}."
    }
  }
}

resource "aws_iam_role_policy_attachment" "export" {
  count = var.exports == null ? 0 : 1

  role       = aws_iam_role.this.name
  policy_arn = aws_iam_policy.export[0].arn
}

output "export_policy" {
  description = "The export grant's policy document (decoded; null without exports)."
  value       = local.export_policy
}
