locals {
  function_name  = var.function_name != "" ? var.function_name : "${var.environment}-ddb-cross-account-reader"
  main_role_name = var.main_role_name != "" ? var.main_role_name : "${var.environment}-ddb_cross_acc_access_role-${var.consumer_account_id}"
  # Known without reading the main account: an identity policy may name a role that does not
  # exist yet, so this root can always be applied first.
  main_role_arn = "arn:aws:iam::${var.main_account_id}:role/${local.main_role_name}"
  zip_path      = var.zip_path != "" ? var.zip_path : "${path.root}/../../target/lambda/ddb-cross-account-reader/bootstrap.zip"
}

module "function" {
  source = "../modules/consumer-function"

  function_name            = local.function_name
  consumer_account_id      = var.consumer_account_id
  region                   = var.region
  zip_path                 = local.zip_path
  architecture             = var.architecture
  main_role_arns           = concat([local.main_role_arn], var.extra_main_role_arns)
  role_arn                 = local.main_role_arn
  enable_tag_session       = var.enable_tag_session
  external_id              = var.external_id
  role_session_name        = var.role_session_name
  session_duration_seconds = var.session_duration_seconds
  table_region             = var.table_region
  default_table            = var.default_table
  scheduled_request        = var.scheduled_request
  schedule_expression      = var.schedule_expression
  memory_size              = var.memory_size
  timeout                  = var.timeout
  reserved_concurrency     = var.reserved_concurrency
  tracing_mode             = var.tracing_mode
  log_retention_days       = var.log_retention_days
  log_level                = var.log_level
  kms_key_arn              = var.kms_key_arn
}
