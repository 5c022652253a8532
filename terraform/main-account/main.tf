locals {
  # Same naming convention as the consumer root (function and execution role names).
  default_consumer_principal = "arn:aws:iam::${var.consumer_account_id}:role/${var.environment}-ddb-cross-account-reader-exec"
  consumer_principal_arns    = length(var.consumer_principal_arns) > 0 ? var.consumer_principal_arns : [local.default_consumer_principal]
}

module "cross_account_role" {
  source = "../modules/cross-account-role"

  environment            = var.environment
  role_name              = var.role_name
  main_account_id        = var.main_account_id
  consumer_account_id    = var.consumer_account_id
  default_region         = var.region
  trust_mode             = var.trust_mode
  trusted_principal_arns = local.consumer_principal_arns
  external_id            = var.external_id
  enable_tag_session     = var.enable_tag_session
  enable_source_identity = var.enable_source_identity
  max_session_duration   = var.max_session_duration
  permissions_boundary   = var.permissions_boundary
  tables                 = var.tables
}

module "demo_table" {
  source = "../modules/dynamodb-table"
  count  = var.create_demo_table ? 1 : 0

  table_name               = var.demo_table_name
  global_secondary_indexes = var.demo_table_gsis
  deletion_protection      = var.demo_table_deletion_protection
}
