locals {
  # The one list of actions per access level, shared with the tests (tests/terraform).
  access_levels = jsondecode(file("${path.module}/access-levels.json"))

  role_name = var.role_name != "" ? var.role_name : "${var.environment}-ddb_cross_acc_access_role-${var.consumer_account_id}"
  role_arn  = "arn:${var.partition}:iam::${var.main_account_id}:role/${local.role_name}"

  # Terraform 1.0 validation blocks only see their own variable, so rules that relate two
  # variables are checked here: tobool() of a message fails the plan and prints the message.
  foreign_principals = [
    for arn in var.trusted_principal_arns : arn
    if split(":", arn)[4] != var.consumer_account_id
  ]
  check_principals_in_consumer_account = length(local.foreign_principals) == 0 ? true : tobool(
    "Every trusted principal must belong to consumer_account_id ${var.consumer_account_id}; not: ${join(", ", local.foreign_principals)}."
  )

  trust_actions = concat(
    ["sts:AssumeRole"],
    var.enable_tag_session ? ["sts:TagSession"] : [],
    var.enable_source_identity ? ["sts:SetSourceIdentity"] : [],
  )

  # "principal": IAM resolves each role ARN to the role's unique id when the policy is saved, so
  # the role must already exist (apply the consumer account first) and a re-created role must be
  # trusted again. "account": the account root is the principal and aws:PrincipalArn pins the
  # exact callers, which works before they exist (either apply order).
  trust_principal = var.trust_mode == "principal" ? sort(var.trusted_principal_arns) : [
    "arn:${var.partition}:iam::${var.consumer_account_id}:root"
  ]
  trust_conditions = merge(
    var.trust_mode == "account" ? { ArnEquals = { "aws:PrincipalArn" = sort(var.trusted_principal_arns) } } : {},
    var.external_id != "" ? { StringEquals = { "sts:ExternalId" = var.external_id } } : {},
  )

  trust_statement = merge(
    {
      Sid       = "AssumeFromConsumer"
      Effect    = "Allow"
      Principal = { AWS = local.trust_principal }
      Action    = local.trust_actions
    },
    length(local.trust_conditions) > 0 ? { Condition = local.trust_conditions } : {},
  )

  trust_policy_json = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.trust_statement]
  })

  tables = {
    for t in var.tables : t["table_name"] => {
      access_type = t["access_type"]
      region      = lookup(t, "region", "") != "" ? t["region"] : var.default_region
    }
  }

  table_arns = {
    for name, t in local.tables :
    name => "arn:${var.partition}:dynamodb:${t.region}:${var.main_account_id}:table/${name}"
  }

  # IAM policy names are unique per account and at most 128 characters: role name + table name,
  # shortened with a hash suffix when longer.
  policy_full_names = { for name, _ in local.tables : name => "${local.role_name}-${name}" }
  policy_names = {
    for name, full in local.policy_full_names :
    name => length(full) <= 128 ? full : "${substr(full, 0, 119)}-${substr(sha1(full), 0, 8)}"
  }

  table_policies = {
    for name, t in local.tables : name => {
      name        = local.policy_names[name]
      access_type = t.access_type
      region      = t.region
      table_arn   = local.table_arns[name]
      json = jsonencode({
        Version = "2012-10-17"
        Statement = [{
          Sid    = "DynamoDB${t.access_type}"
          Effect = "Allow"
          Action = local.access_levels[t.access_type]
          # Query/Scan on a secondary index are authorized against the index ARN, not the table's.
          Resource = [local.table_arns[name], "${local.table_arns[name]}/index/*"]
        }]
      })
    }
  }
}
