# Resource-policy mode: no cross-account role. The function's execution role calls the main
# account's table directly (by ARN); the table's resource-based policy names that role, and the
# role's own policy grants the same actions (across accounts both must allow).

locals {
  zip_path = coalesce(var.zip_path, "${path.root}/../../../target/lambda/ddb-cross-account-reader/bootstrap.zip")
  tables   = { (var.table_name) = { access_type = "Read" } }
}

variable "table_name" {
  description = "The main account's table this root creates and grants (a table policy needs the table)."
  type        = string
  default     = "orders"
}

# Consumer account first: the table policy names the execution role, which must exist.
module "function" {
  source    = "../../modules/consumer-function"
  providers = { aws = aws.consumer }

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
  main_account_id     = var.main_account_id
  region              = var.region
  function            = { zip_path = local.zip_path, default_table = var.table_name }
  access              = { mode = "resource_policy", tables = local.tables }
}

# Main account: the table (deletion protection off so the example can be destroyed) and its policy.
module "table" {
  source    = "../../modules/dynamodb-table"
  providers = { aws = aws.main }

  name                = var.table_name
  deletion_protection = false
}

module "table_policy" {
  source    = "../../modules/table-resource-policy"
  providers = { aws = aws.main }

  environment         = var.environment
  main_account_id     = var.main_account_id
  consumer_account_id = var.consumer_account_id
  region              = var.region
  principals          = { principal_arns = [module.function.execution_role_arn] }
  tables              = local.tables

  depends_on = [module.table]
}
