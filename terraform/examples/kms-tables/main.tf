# Tables encrypted with a customer-managed KMS key: DynamoDB calls KMS with the caller's
# permissions, so the role needs the key too. This root creates the key and a table under it in
# the main account, and grants the role the table and the key (kms:Decrypt for Read, only through
# DynamoDB: kms:ViaService).

locals {
  zip_path = coalesce(var.zip_path, "${path.root}/../../../target/lambda/ddb-cross-account-reader/bootstrap.zip")
}

variable "table_name" {
  description = "The table this root creates under the key."
  type        = string
  default     = "ledger"
}

variable "external_id" {
  description = "The sts:ExternalId the role's trust policy requires and the function sends (EXTERNAL_ID)."
  type        = string
  default     = "kms-tables-example"
}

data "aws_partition" "main" {
  provider = aws.main
}

# The key policy AWS gives a key by default: the account's IAM policies decide who may use it
# (without it no identity policy could grant the key).
resource "aws_kms_key" "tables" {
  provider = aws.main

  description             = "DynamoDB tables of ${var.environment} (ddb-cross-account-reader example)."
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DelegateToAccountIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.main.partition}:iam::${var.main_account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

module "table" {
  source    = "../../modules/dynamodb-table"
  providers = { aws = aws.main }

  name                = var.table_name
  kms_key_arn         = aws_kms_key.tables.arn
  deletion_protection = false
}

module "function" {
  source    = "../../modules/consumer-function"
  providers = { aws = aws.consumer }

  environment         = var.environment
  consumer_account_id = var.consumer_account_id
  main_account_id     = var.main_account_id
  region              = var.region
  function            = { zip_path = local.zip_path, default_table = var.table_name }
  assume              = { external_id = var.external_id }
}

module "role" {
  source    = "../../modules/cross-account-role"
  providers = { aws = aws.main }

  environment         = var.environment
  main_account_id     = var.main_account_id
  consumer_account_id = var.consumer_account_id
  region              = var.region
  trust               = { principal_arns = [module.function.execution_role_arn], external_id = var.external_id }
  # The key ARN DescribeTable shows in SSEDescription.KMSMasterKeyArn.
  tables = { (module.table.table_name) = { access_type = "Read", kms_key_arn = aws_kms_key.tables.arn } }
}
