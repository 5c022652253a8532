# The local environment's resource-policy twin: the IAM suite applies it beside the local
# deployment (local/deploy.py apply_resource_policy_mode), before the main root's
# envs/local-resource-policy.tfvars, for its allow/deny matrix in ACCESS_MODE=resource_policy. Its own
# environment name, so its execution role is not the local one. `bulk` is granted here but its table
# policy names another principal (the main root's envs/local-other-principal.tfvars).
environment         = "localrp"
region              = "us-east-1"
consumer_account_id = "222222222222"
main_account_id     = "111111111111"

# As in envs/local.tfvars: local/deploy.py passes the debug binary's zip as an absolute -var.
zip_path = "../../.local/lambda/bootstrap.zip"

function = {
  architecture       = "x86_64"
  default_table      = "orders"
  allow_writes       = true
  log_retention_days = 1
}

access = {
  mode = "resource_policy"
  tables = {
    orders    = { access_type = "Read" }
    customers = { access_type = "ReadWriteUpdate" }
    ledger    = { access_type = "Full" }
    bulk      = { access_type = "Read" }
  }
}
