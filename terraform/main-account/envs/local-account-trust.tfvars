# A second main-root deployment of the local environment (own state): the "either apply order"
# trust form, trust mode "account" (the consumer account is the principal, aws:PrincipalArn pins
# the local execution role), granted `orders` alone. local/deploy.py applies it with envs/local.tfvars'
# accounts; the consumer root lists its ARN in assume.extra_role_arns.
environment         = "local"
region              = "us-east-1"
main_account_id     = "111111111111"
consumer_account_id = "222222222222"

role = {
  name = "local-account-trust"
}

trust = {
  mode            = "account"
  external_id     = "local-demo-external-id"
  source_identity = true
  tag_session     = true
}

tables = {
  orders = { access_type = "Read" }
}
