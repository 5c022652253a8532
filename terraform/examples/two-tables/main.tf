# One consumer function reading two tables of the main account through the cross-account role.
# The tables already exist in the main account (this root grants them, it does not create them).

locals {
  zip_path = coalesce(var.zip_path, "${path.root}/../../../target/lambda/ddb-cross-account-reader/bootstrap.zip")
}

variable "tables" {
  description = "The main account's tables the function reads, by name: access_type Read (or ReadWriteUpdate, Full) and region (null: var.region)."
  type = map(object({
    access_type = string
    region      = optional(string)
  }))
  default = {
    orders    = { access_type = "Read" }
    customers = { access_type = "Read" }
  }
}

variable "external_id" {
  description = "The sts:ExternalId the role's trust policy requires and the function sends (EXTERNAL_ID)."
  type        = string
  default     = "two-tables-example"
}

# Consumer account: the function, its execution role (allowed to assume exactly the role below).
module "function" {
  source    = "../../modules/consumer-function"
  providers = { aws = aws.consumer }

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
  main_account_id     = var.main_account_id
  region              = var.region
  function            = { zip_path = local.zip_path, default_table = keys(var.tables)[0] }
  assume              = { external_id = var.external_id }
}

# Main account: the role, trusting exactly the execution role (so it is created after it: the
# reference below orders the two), one policy per table at its access level.
module "role" {
  source    = "../../modules/cross-account-role"
  providers = { aws = aws.main }

  environment         = var.environment
  main_account_id     = var.main_account_id
  consumer_account_id = var.consumer_account_id
  region              = var.region
  trust               = { principal_arns = [module.function.execution_role_arn], external_id = var.external_id }
  tables              = var.tables
}
