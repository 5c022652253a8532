output "role_name" {
  description = "Name of the cross-account role."
  value       = local.role_name
}

output "role_arn" {
  description = "ARN of the cross-account role (known before it exists)."
  value       = local.role_arn
}

output "trust_policy_json" {
  description = "The role's trust (assume role) policy document, JSON."
  # Referencing the check makes Terraform evaluate it whenever the trust policy is used.
  value = local.check_principals_in_consumer_account ? local.trust_policy_json : ""
}

output "max_session_duration" {
  description = "The validated maximum session duration, in seconds."
  value       = var.max_session_duration
}

output "table_policies" {
  description = "Per table name: name (IAM policy name), access_type, region, table_arn and json (the policy document)."
  value       = local.table_policies
}

output "access_levels" {
  description = "The action list of each access level (from access-levels.json)."
  value       = local.access_levels
}
