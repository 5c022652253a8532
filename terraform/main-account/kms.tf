# Customer-managed keys of demo tables, one per table (the local environment encrypts two tables
# this way, one granted its key and one not). Real tables bring their own key: name it in the
# table entry's kms_key_arn instead.
data "aws_partition" "current" {}

locals {
  # The table entries as the modules get them: a granted demo key becomes the entry's kms_key_arn.
  tables = {
    for name, t in var.tables : name => merge(t, {
      kms_key_arn = try(var.demo_kms_keys[name].grant, false) ? aws_kms_key.demo[name].arn : t.kms_key_arn
    })
  }

  # The key policy AWS creates by default: the account root, i.e. the account's IAM policies
  # decide who may use the key. Without this statement (or one naming the role) no identity
  # policy can grant the key.
  demo_key_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DelegateToAccountIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${var.main_account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  }
}

resource "aws_kms_key" "demo" {
  # checkov:skip=CKV2_AWS_64: the key has a policy (demo_key_policy); the check misreads a jsonencode()d local.
  for_each = var.demo_kms_keys

  description             = "Demo DynamoDB table ${each.key} of ${var.environment} (ddb-cross-account-reader)."
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = jsonencode(local.demo_key_policy)

  lifecycle {
    precondition {
      condition     = !each.value.grant || contains(keys(var.tables), each.key)
      error_message = "The demo_kms_keys entry ${each.key} grants its key, so it must name a table of var.tables."
    }
  }
}

resource "aws_kms_alias" "demo" {
  for_each = aws_kms_key.demo

  name          = "alias/${var.environment}-ddb-demo-${each.key}"
  target_key_id = each.value.key_id
}
