locals {
  # Every key attribute of the table and its GSIs is a string and must be declared exactly once.
  key_attributes = distinct(compact(concat(
    [var.hash_key, var.range_key],
    flatten([for g in values(var.global_secondary_indexes) : [g.hash_key, g.range_key]]),
  )))
}

resource "aws_dynamodb_table" "this" {
  # checkov:skip=CKV_AWS_119: a customer-managed key is an input (kms_key_arn); without one the table is still encrypted with the AWS managed key aws/dynamodb, which suits a demo table.
  # checkov:skip=CKV2_AWS_16: on-demand (PAY_PER_REQUEST) billing scales by itself; auto scaling applies to provisioned capacity only.
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = var.hash_key
  range_key                   = var.range_key
  deletion_protection_enabled = var.deletion_protection
  tags                        = var.tags

  dynamic "attribute" {
    for_each = local.key_attributes
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = var.global_secondary_indexes
    content {
      name               = global_secondary_index.key
      hash_key           = global_secondary_index.value.hash_key
      range_key          = global_secondary_index.value.range_key
      projection_type    = global_secondary_index.value.projection_type
      non_key_attributes = global_secondary_index.value.non_key_attributes
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    # Always encrypted with a KMS key: the customer's when given, else the AWS managed aws/dynamodb.
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute != null ? [var.ttl_attribute] : []
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }
}
