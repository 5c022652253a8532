# Nightly exports: a schedule runs the function with {"op": "export", "table": ...} every night; the
# function starts ExportTableToPointInTime through the role, and DynamoDB writes the export into a
# bucket of the consumer account, as the role.

locals {
  zip_path = coalesce(var.zip_path, "${path.root}/../../../target/lambda/ddb-cross-account-reader/bootstrap.zip")
}

variable "table_name" {
  description = "The table this root creates (with point-in-time recovery, which exports need) and exports."
  type        = string
  default     = "events"
}

variable "schedule" {
  description = "When the export runs (EventBridge Scheduler expression, in UTC)."
  type        = string
  default     = "cron(0 2 * * ? *)"
}

variable "external_id" {
  description = "The sts:ExternalId the role's trust policy requires and the function sends (EXTERNAL_ID)."
  type        = string
  default     = "nightly-exports-example"
}

module "table" {
  source    = "../../modules/dynamodb-table"
  providers = { aws = aws.main }

  name                   = var.table_name
  point_in_time_recovery = true
  deletion_protection    = false
}

module "function" {
  source    = "../../modules/consumer-function"
  providers = { aws = aws.consumer }

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
  main_account_id     = var.main_account_id
  region              = var.region
  function = {
    zip_path      = local.zip_path
    default_table = var.table_name
    # EXPORT_BUCKET, EXPORT_BUCKET_OWNER, EXPORT_PREFIX: where the export op exports to.
    extra_environment = module.bucket.environment
  }
  assume   = { external_id = var.external_id }
  schedule = { expression = var.schedule, request = jsonencode({ op = "export", table = var.table_name }) }
}

# The bucket exports land in, in the consumer account: only the role may write, only under the
# prefix. It names the role by ARN before the role exists (its account as principal, the role
# pinned by aws:PrincipalArn), so the bucket does not wait for the main account's side.
module "bucket" {
  source    = "../../modules/export-bucket"
  providers = { aws = aws.consumer }

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
  writer_role_arns    = [module.function.role_arn]
  bucket              = { force_destroy = true }
}

module "role" {
  source    = "../../modules/cross-account-role"
  providers = { aws = aws.main }

  environment         = var.environment
  main_account_id     = var.main_account_id
  consumer_account_id = var.consumer_account_id
  region              = var.region
  trust               = { principal_arns = [module.function.execution_role_arn], external_id = var.external_id }
  tables              = { (module.table.table_name) = { access_type = "Read" } }
  # The grant to export the table into the bucket above (naming.json's bucket name, prefix "exports").
  exports = { tables = [module.table.table_name] }
}
