# The project's naming rules live in naming.json, read here and by the function and the tests;
# this module only fills the templates in, so no name is typed twice.
locals {
  naming = jsondecode(file("${path.module}/naming.json"))

  names = {
    for key in ["cross_account_role_name", "function_name", "execution_role_name", "export_bucket_name"] :
    key => replace(replace(local.naming[key], "{environment}", var.environment), "{consumer_account_id}", var.consumer_account_id)
  }

  # naming.json's default session tags, filled in ({function_name} is the function's name).
  session_tags = {
    for key, template in local.naming.session_tags : key => replace(replace(replace(template,
      "{function_name}", local.names.function_name),
      "{environment}", var.environment),
    "{consumer_account_id}", var.consumer_account_id)
  }

  environment_valid = (
    length(var.environment) <= local.naming.environment_max_length &&
    can(regex(local.naming.environment_pattern, var.environment))
  )
}
