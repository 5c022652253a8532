# access_mode: "assume_role" (the role), "resource_policy" (table policies, no role) or "both"
# (during a migration from one to the other).
module "cross_account_role" {
  source = "../modules/cross-account-role"
  count  = var.access_mode != "resource_policy" ? 1 : 0

  environment         = var.environment
  main_account_id     = var.main_account_id
  consumer_account_id = var.consumer_account_id
  region              = var.region
  role                = var.role
  trust               = var.trust
  tables              = local.tables
  exports             = var.exports
}

module "demo_table" {
  source = "../modules/dynamodb-table"
  count  = var.demo_table != null ? 1 : 0

  name                     = var.demo_table.name
  global_secondary_indexes = var.demo_table.global_secondary_indexes
  deletion_protection      = var.demo_table.deletion_protection
}

module "table_resource_policy" {
  source = "../modules/table-resource-policy"
  count  = var.access_mode != "assume_role" ? 1 : 0

  environment         = var.environment
  main_account_id     = var.main_account_id
  consumer_account_id = var.consumer_account_id
  region              = var.region
  principals          = { mode = var.trust.mode, principal_arns = var.trust.principal_arns }
  tables              = local.tables

  # A table policy can only be written on a table that exists.
  depends_on = [module.demo_table]
}

moved {
  from = module.cross_account_role
  to   = module.cross_account_role[0]
}
