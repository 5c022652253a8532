locals {
  environment = "local"
  consumer    = "arn:aws:iam::${var.consumer_account_id}:role"

  consumer_fn        = "${local.consumer}/local-consumer-fn"
  consumer_noassume  = "${local.consumer}/local-consumer-noassume"
  matrix_level_names = { Read = "read", ReadWriteUpdate = "readwriteupdate", Full = "full" }
}

# The demo role, named by the shared convention. It trusts the function's role and also the role
# that lacks sts:AssumeRole, so a denial can be shown to come from the caller's own policy.
module "demo_role" {
  source = "../../terraform/modules/cross-account-policies"

  environment            = local.environment
  main_account_id        = var.main_account_id
  consumer_account_id    = var.consumer_account_id
  default_region         = var.region
  trusted_principal_arns = [local.consumer_fn, local.consumer_noassume]
  external_id            = var.external_id
  tables = [
    { table_name = "orders", access_type = "Read" },
    { table_name = "bulk", access_type = "Read" },
    { table_name = "customers", access_type = "ReadWriteUpdate" },
    # Granted but never created, so a read reaches DynamoDB and shows how a missing table is reported.
    { table_name = "archive", access_type = "Read" },
  ]
}

# One role per access level on `orders`, for the allow/deny matrix.
module "matrix_role" {
  source   = "../../terraform/modules/cross-account-policies"
  for_each = local.matrix_level_names

  environment            = local.environment
  role_name              = "local-matrix-${each.value}"
  main_account_id        = var.main_account_id
  consumer_account_id    = var.consumer_account_id
  default_region         = var.region
  trusted_principal_arns = [local.consumer_fn]
  external_id            = var.external_id
  tables                 = [{ table_name = "orders", access_type = each.key }]
}

# The "either apply order" trust form: the consumer account is the principal, aws:PrincipalArn
# pins the function's role.
module "account_trust_role" {
  source = "../../terraform/modules/cross-account-policies"

  environment            = local.environment
  role_name              = "local-account-trust"
  trust_mode             = "account"
  main_account_id        = var.main_account_id
  consumer_account_id    = var.consumer_account_id
  default_region         = var.region
  trusted_principal_arns = [local.consumer_fn]
  external_id            = var.external_id
  tables                 = [{ table_name = "orders", access_type = "Read" }]
}

locals {
  main_role_modules = merge(
    { demo = module.demo_role, account_trust = module.account_trust_role },
    { for level, m in module.matrix_role : "matrix_${level}" => m },
  )
  all_main_role_arns = [for m in values(local.main_role_modules) : m.role_arn]
}

# Consumer execution roles. Each is also the name of its (local) function, which fixes its log group.
module "consumer_fn" {
  source = "../../terraform/modules/consumer-policies"

  function_name       = "local-consumer-fn"
  consumer_account_id = var.consumer_account_id
  region              = var.region
  main_role_arns      = local.all_main_role_arns
  role_arn            = module.demo_role.role_arn
  external_id         = var.external_id
  table_region        = var.region
  default_table       = "orders"
}

module "consumer_noassume" {
  source = "../../terraform/modules/consumer-policies"

  function_name       = "local-consumer-noassume"
  consumer_account_id = var.consumer_account_id
  region              = var.region
  # Only its logs policy is attached (below); this input feeds the unused assume policy.
  main_role_arns = [module.demo_role.role_arn]
  external_id    = var.external_id
}

module "consumer_other" {
  source = "../../terraform/modules/consumer-policies"

  function_name       = "local-consumer-other"
  consumer_account_id = var.consumer_account_id
  region              = var.region
  main_role_arns      = [module.demo_role.role_arn]
  external_id         = var.external_id
}
