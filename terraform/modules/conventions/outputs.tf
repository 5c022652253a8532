output "names" {
  description = "The names naming.json defines, filled in: cross_account_role_name, function_name, execution_role_name, export_bucket_name."
  value       = local.names

  # Here rather than in a validation block: before Terraform 1.9 a validation cannot read the
  # pattern from naming.json.
  precondition {
    condition     = local.environment_valid
    error_message = "The environment \"${var.environment}\" must be 1-${local.naming.environment_max_length} characters of lowercase letters, digits and hyphens, starting with a letter (${local.naming.environment_pattern}): IAM role names stop at 64 characters."
  }
}

output "session_tags" {
  description = "naming.json's session_tags filled in: the session tags the function sends by default (consumer: the consumer account id, environment, function)."
  value       = local.session_tags
}

output "naming" {
  description = "naming.json as Terraform reads it (templates, environment pattern and maximum length)."
  value       = local.naming
}

output "access_levels" {
  description = "access-levels.json: the DynamoDB actions of each access level (Read, ReadWriteUpdate, Full)."
  value       = jsondecode(file("${path.module}/access-levels.json"))
}

output "access_level_resources" {
  description = "access-level-resources.json: per access level, the kinds of a table's sub-resources granted beside the table (index: table/NAME/index/*; Full also stream, backup, export and import), where IAM authorizes the level's other actions."
  value       = jsondecode(file("${path.module}/access-level-resources.json"))
}

output "resource_policy_actions" {
  description = "resource-policy-actions.json: the actions a table's resource-based policy grants across accounts (an access level's actions outside it are granted only through the assumed role)."
  value       = jsondecode(file("${path.module}/resource-policy-actions.json"))
}

output "kms_actions" {
  description = "kms-actions.json: the KMS actions each access level needs on a table's customer-managed key (Read: decrypt; writes also encrypt and generate data keys)."
  value       = jsondecode(file("${path.module}/kms-actions.json"))
}
