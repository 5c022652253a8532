# The documents come from the provider-free module, so what the tests render is what is deployed.
module "policies" {
  source = "../cross-account-policies"

  environment            = var.environment
  main_account_id        = var.main_account_id
  consumer_account_id    = var.consumer_account_id
  partition              = var.partition
  default_region         = var.default_region
  role_name              = var.role_name
  trust_mode             = var.trust_mode
  trusted_principal_arns = var.trusted_principal_arns
  external_id            = var.external_id
  enable_tag_session     = var.enable_tag_session
  enable_source_identity = var.enable_source_identity
  max_session_duration   = var.max_session_duration
  tables                 = var.tables
}

resource "aws_iam_role" "this" {
  # checkov:skip=CKV_AWS_61: trust_mode "account" names the consumer account root as principal, always with an aws:PrincipalArn condition on the exact consumer roles; trust_mode "principal" never triggers it.
  name                 = module.policies.role_name
  path                 = var.role_path
  description          = "Cross-account DynamoDB access for account ${var.consumer_account_id} (${var.environment})."
  assume_role_policy   = module.policies.trust_policy_json
  max_session_duration = module.policies.max_session_duration
  permissions_boundary = var.permissions_boundary != "" ? var.permissions_boundary : null
  tags                 = var.tags
}

# One customer-managed policy per table, so a grant can be reviewed, changed or revoked alone.
resource "aws_iam_policy" "table" {
  for_each = module.policies.table_policies

  name        = each.value.name
  path        = var.role_path
  description = "${each.value.access_type} on DynamoDB table ${each.key} (${each.value.region}) for ${module.policies.role_name}."
  policy      = each.value.json
  tags        = var.tags
}

# aws_iam_role_policy_attachment is non-exclusive; aws_iam_policy_attachment would detach the
# policy from every other role, user and group that holds it.
resource "aws_iam_role_policy_attachment" "table" {
  for_each = aws_iam_policy.table

  role       = aws_iam_role.this.name
  policy_arn = each.value.arn
}
