module "cross_account_role" {
  source = "../modules/cross-account-role"

  environment         = var.environment
  main_account_id     = var.main_account_id
  consumer_account_id = var.consumer_account_id
  region              = var.region
  role                = var.role
  trust               = var.trust
  tables              = var.tables
}

module "demo_table" {
  source = "../modules/dynamodb-table"
  count  = var.demo_table != null ? 1 : 0

  name                     = var.demo_table.name
  global_secondary_indexes = var.demo_table.global_secondary_indexes
  deletion_protection      = var.demo_table.deletion_protection
}
