# The migration state between the access modes (the Terraform suite applies it, consumer root
# first): the function reads the tables directly (ACCESS_MODE=resource_policy) while its
# sts:AssumeRole grant stays, so ACCESS_MODE=assume_role is a rollback of one variable.
# tables: the main root's tables map.
environment         = "both"
region              = "us-east-1"
consumer_account_id = "222222222222"
main_account_id     = "111111111111"

assume = {
  external_id = "both-ddb-reader-4b1e"
}

access = {
  mode = "both"
  tables = {
    orders = { access_type = "Read" }
  }
}

function = {
  default_table = "orders"
}
