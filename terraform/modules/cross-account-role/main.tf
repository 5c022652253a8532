data "aws_partition" "current" {}

module "conventions" {
  source = "../conventions"

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
}

locals {
  partition = data.aws_partition.current.partition
  role_name = coalesce(var.role.name, module.conventions.names.cross_account_role_name)

  # Null principal_arns: the execution role the consumer root creates under naming.json's name.
  principal_arns = sort(coalesce(var.trust.principal_arns, [
    "arn:${local.partition}:iam::${var.consumer_account_id}:role/${module.conventions.names.execution_role_name}"
  ]))
  foreign_principals = [for arn in local.principal_arns : arn if split(":", arn)[4] != var.consumer_account_id]

  # sts:SetSourceIdentity / sts:TagSession are separate actions of the same AssumeRole request,
  # each allowed only for the pinned values: the source identity one of source_identities, every
  # tag key present with its value, and no other key.
  source_identities = sort(coalesce(var.trust.source_identities, [module.conventions.names.function_name]))
  session_tags      = coalesce(var.trust.session_tags, module.conventions.session_tags)

  # "principal": IAM resolves each role ARN to the role's unique id when the policy is saved, so
  # the role must already exist (apply the consumer account first) and a re-created role must be
  # trusted again. "account": the account root is the principal and aws:PrincipalArn pins the
  # exact callers, which works before they exist (either apply order).
  principal = { AWS = var.trust.mode == "principal" ? local.principal_arns : [
    "arn:${local.partition}:iam::${var.consumer_account_id}:root"
  ] }
  principal_condition = var.trust.mode == "account" ? { ArnEquals = { "aws:PrincipalArn" = local.principal_arns } } : {}
  trust_conditions = merge(
    local.principal_condition,
    var.trust.external_id != null ? { StringEquals = { "sts:ExternalId" = var.trust.external_id } } : {},
  )
  trust_statements = concat(
    [merge(
      { Sid = "AssumeFromConsumer", Effect = "Allow", Principal = local.principal, Action = ["sts:AssumeRole"] },
      length(local.trust_conditions) > 0 ? { Condition = local.trust_conditions } : {},
    )],
    var.trust.source_identity ? [{
      Sid       = "SourceIdentityOfConsumer"
      Effect    = "Allow"
      Principal = local.principal
      Action    = "sts:SetSourceIdentity"
      Condition = merge(local.principal_condition, { StringEquals = { "sts:SourceIdentity" = local.source_identities } })
    }] : [],
    var.trust.tag_session ? [{
      Sid       = "SessionTagsOfConsumer"
      Effect    = "Allow"
      Principal = local.principal
      Action    = "sts:TagSession"
      Condition = merge(local.principal_condition, {
        StringEquals                = { for k, v in local.session_tags : "aws:RequestTag/${k}" => v }
        "ForAllValues:StringEquals" = { "aws:TagKeys" = sort(keys(local.session_tags)) }
      })
    }] : [],
  )
  trust_policy = {
    Version   = "2012-10-17"
    Statement = local.trust_statements
  }

  tables = {
    for name, t in var.tables : name => {
      access_type     = t.access_type
      region          = coalesce(t.region, var.region)
      replica_regions = coalesce(t.replica_regions, [])
      arn             = "arn:${local.partition}:dynamodb:${coalesce(t.region, var.region)}:${var.main_account_id}:table/${name}"
      # A global table is one table name in several regions; each replica is its own ARN, which
      # IAM matches exactly (the home region first).
      replica_arns = [
        for r in concat([coalesce(t.region, var.region)], coalesce(t.replica_regions, [])) :
        "arn:${local.partition}:dynamodb:${r}:${var.main_account_id}:table/${name}"
      ]
      kms_key_arn = t.kms_key_arn
    }
  }

  # IAM policy names are unique per account and at most 128 characters: role name + table name,
  # shortened with a hash suffix when longer.
  policy_names = {
    for name in keys(var.tables) : name => (
      length("${local.role_name}-${name}") <= 128 ? "${local.role_name}-${name}" :
      "${substr("${local.role_name}-${name}", 0, 119)}-${substr(sha1("${local.role_name}-${name}"), 0, 8)}"
    )
  }

  table_policies = {
    for name, t in local.tables : name => {
      Version = "2012-10-17"
      Statement = concat([{
        Sid    = "DynamoDB${t.access_type}"
        Effect = "Allow"
        Action = module.conventions.access_levels[t.access_type]
        # Query/Scan on a secondary index are authorized against the index ARN, not the table's;
        # Full's stream, backup, export and import actions against those ARNs (table/NAME/KIND/ID).
        Resource = flatten([for arn in t.replica_arns : concat([arn], [
          for kind in module.conventions.access_level_resources[t.access_type] : "${arn}/${kind}/*"
        ])])
      }], local.kms_statements[name])
    }
  }
}

resource "aws_iam_role" "this" {
  # checkov:skip=CKV_AWS_61: trust.mode "account" names the consumer account root as principal, always with an aws:PrincipalArn condition on the exact consumer roles; mode "principal" never triggers it.
  name                 = local.role_name
  path                 = var.role.path
  description          = "Cross-account DynamoDB access for account ${var.consumer_account_id} (${var.environment})."
  assume_role_policy   = jsonencode(local.trust_policy)
  max_session_duration = var.trust.max_session_duration
  permissions_boundary = var.role.permissions_boundary
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = length(local.foreign_principals) == 0
      error_message = "Every trusted principal must belong to consumer_account_id ${var.consumer_account_id}; not: ${join(", ", local.foreign_principals)}."
    }
  }
}

# One customer-managed policy per table, so a grant can be reviewed, changed or revoked alone.
resource "aws_iam_policy" "table" {
  for_each = local.tables

  name        = local.policy_names[each.key]
  path        = var.role.path
  description = "${each.value.access_type} on DynamoDB table ${each.key} (${each.value.region}) for ${local.role_name}."
  policy      = jsonencode(local.table_policies[each.key])
  tags        = var.tags

  lifecycle {
    # Here rather than in a validation block: before Terraform 1.9 a validation cannot compare the
    # key's account with main_account_id (nor a replica region with var.region).
    precondition {
      condition     = !contains(each.value.replica_regions, each.value.region)
      error_message = "The replica_regions of table ${each.key} must not name its own region ${each.value.region} (the table's region, or var.region); list only the other regions it has a replica in."
    }
    precondition {
      # KMS keys are regional: every replica of a global table is encrypted with a key of its own
      # region, and one key ARN cannot grant them all.
      condition     = each.value.kms_key_arn == null || length(each.value.replica_regions) == 0
      error_message = "Table ${each.key} has both kms_key_arn and replica_regions: each replica of a global table is encrypted with a key in its own region, which this module does not grant. Remove replica_regions (grant the home region only) or kms_key_arn (replicas encrypted with AWS owned or managed keys)."
    }
    precondition {
      condition     = each.value.kms_key_arn == null || try(split(":", each.value.kms_key_arn)[4], "") == var.main_account_id
      error_message = "The kms_key_arn of table ${each.key} must be a key of the main account ${var.main_account_id}: the key DescribeTable shows in SSEDescription.KMSMasterKeyArn, not ${coalesce(each.value.kms_key_arn, "-")}."
    }
  }
}

# aws_iam_role_policy_attachment is non-exclusive; aws_iam_policy_attachment would detach the
# policy from every other role, user and group that holds it.
resource "aws_iam_role_policy_attachment" "table" {
  for_each = aws_iam_policy.table

  role       = aws_iam_role.this.name
  policy_arn = each.value.arn
}
