provider "aws" {
  region = var.region
  # Refuse to run with credentials of any other account.
  allowed_account_ids = [var.main_account_id]

  default_tags {
    tags = merge({ Environment = var.environment, ManagedBy = "terraform", Project = "ddb-cross-account-reader" }, var.tags)
  }
}
