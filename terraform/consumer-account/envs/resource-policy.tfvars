# The resource-policy access mode: the execution role reads the main account's tables itself
# (ACCESS_MODE=resource_policy), no sts:AssumeRole grant. tables: the main root's tables map.
environment         = "rp"
region              = "us-east-1"
consumer_account_id = "222222222222"
main_account_id     = "111111111111"

access = {
  mode = "resource_policy"
  tables = {
    orders = { access_type = "Read" }
  }
}

function = {
  default_table = "orders"
}
