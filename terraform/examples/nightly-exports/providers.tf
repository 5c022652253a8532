# One configuration per account: each refuses credentials of any other account. Point the profiles
# (or replace them with your own credentials setup) at a principal of each account that may deploy.
provider "aws" {
  alias               = "main"
  region              = var.region
  profile             = var.main_profile
  allowed_account_ids = [var.main_account_id]
}

provider "aws" {
  alias               = "consumer"
  region              = var.region
  profile             = var.consumer_profile
  allowed_account_ids = [var.consumer_account_id]
}
