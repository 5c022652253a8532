data "aws_partition" "current" {}

module "conventions" {
  source = "../conventions"

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
}

locals {
  partition = data.aws_partition.current.partition

  principal_arns = sort(coalesce(var.principals.principal_arns, [
    "arn:${local.partition}:iam::${var.consumer_account_id}:role/${module.conventions.names.execution_role_name}"
  ]))
  foreign_principals = [for arn in local.principal_arns : arn if split(":", arn)[4] != var.consumer_account_id]

  tables = {
    for name, t in var.tables : name => {
      access_type = t.access_type
      region      = coalesce(t.region, var.region)
      arn         = "arn:${local.partition}:dynamodb:${coalesce(t.region, var.region)}:${var.main_account_id}:table/${name}"
      # A table policy holds only the actions DynamoDB authorizes across accounts on a table or
      # index; the rest of an access level (backups, imports, settings) needs the assumed role.
      actions = sort(setintersection(module.conventions.access_levels[t.access_type], module.conventions.resource_policy_actions))
    }
  }

  # aws:PrincipalAccount always; "account" mode names the account root and pins the callers with
  # aws:PrincipalArn, which (unlike a role ARN principal) may be written before the role exists.
  conditions = merge(
    { StringEquals = { "aws:PrincipalAccount" = var.consumer_account_id } },
    var.principals.mode == "account" ? { ArnEquals = { "aws:PrincipalArn" = local.principal_arns } } : {},
  )

  policies = {
    for name, t in local.tables : name => {
      Version = "2012-10-17"
      Statement = [{
        Sid    = "Consumer${t.access_type}"
        Effect = "Allow"
        Principal = { AWS = var.principals.mode == "principal" ? local.principal_arns : [
          "arn:${local.partition}:iam::${var.consumer_account_id}:root"
        ] }
        Action = t.actions
        # The table's policy governs its indexes too; Query/Scan on an index are authorized on
        # the index ARN.
        Resource  = [t.arn, "${t.arn}/index/*"]
        Condition = local.conditions
      }]
    }
  }
}

# One policy per table (a table holds exactly one). This module owns it: a second consumer of the
# same table goes into principal_arns of the same deployment, not into a second one.
resource "aws_dynamodb_resource_policy" "table" {
  for_each = local.tables

  resource_arn = each.value.arn
  policy       = jsonencode(local.policies[each.key])

  lifecycle {
    precondition {
      condition     = length(local.foreign_principals) == 0
      error_message = "Every principal must belong to consumer_account_id ${var.consumer_account_id}; not: ${join(", ", local.foreign_principals)}."
    }
    precondition {
      condition     = length(jsonencode(local.policies[each.key])) <= 20480
      error_message = "The resource policy of table ${each.key} exceeds DynamoDB's 20 KB limit: name fewer principals."
    }
  }
}
